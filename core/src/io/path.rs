//! Weight-file paths from a manifest: plain relative names that must stay inside the model folder.

use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// Lexical check of a manifest path: relative, `/`-separated, no `.`/`..`/empty components, no
/// backslashes, drive prefixes, NUL or control characters.
pub fn check_relative_path(p: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::Format(format!("weights path {p:?} rejected: {why}")));
    if p.is_empty() {
        return bad("empty");
    }
    if p.len() > 4096 {
        return bad("longer than 4096 bytes");
    }
    if p.chars().any(|c| c.is_control()) {
        return bad("contains control characters");
    }
    if p.contains('\\') {
        return bad("contains a backslash");
    }
    if p.starts_with('/') {
        return bad("absolute paths are not allowed");
    }
    if p.contains(':') {
        return bad("contains ':' (drive or stream prefix)");
    }
    for part in p.split('/') {
        match part {
            "" => return bad("empty path component"),
            "." | ".." => return bad("'.' and '..' components are not allowed"),
            _ => {}
        }
    }
    let path = Path::new(p);
    if path.is_absolute() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return bad("must be a plain relative path");
    }
    Ok(())
}

/// Resolves `rel` inside `dir` (already canonical), following symlinks, and checks that the
/// target is a regular file still inside `dir`.
pub fn resolve_in_dir(dir: &Path, rel: &str) -> Result<PathBuf> {
    check_relative_path(rel)?;
    let joined = dir.join(rel);
    let real = joined
        .canonicalize()
        .map_err(|e| Error::Io(format!("weights file {}: {e}", joined.display())))?;
    if !real.starts_with(dir) {
        return Err(Error::Format(format!(
            "weights path {rel:?} resolves to {}, outside the model folder {}",
            real.display(),
            dir.display()
        )));
    }
    let meta = std::fs::metadata(&real).map_err(|e| Error::Io(format!("weights file {}: {e}", real.display())))?;
    if !meta.is_file() {
        return Err(Error::Format(format!("weights path {rel:?} is not a regular file")));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_traversal_and_absolute_paths() {
        for p in [
            "",
            "/etc/passwd",
            "../w.safetensors",
            "a/../../w",
            "a//b",
            "./w",
            "a\\b",
            "C:w",
            "a/\u{0}b",
            "a/..",
        ] {
            assert!(
                matches!(check_relative_path(p), Err(Error::Format(_))),
                "{p:?} should be rejected"
            );
        }
        for p in ["weights.safetensors", "shards/part-1.safetensors", "..hidden", "a..b"] {
            assert!(check_relative_path(p).is_ok(), "{p:?} should be accepted");
        }
    }

    #[cfg(unix)]
    #[test]
    fn rejects_symlink_escaping_the_folder() -> Result<()> {
        let root = std::env::temp_dir().join(format!("ff-io-path-{}", std::process::id()));
        let model = root.join("model");
        std::fs::create_dir_all(&model)?;
        std::fs::write(root.join("secret.bin"), b"x")?;
        std::fs::write(model.join("ok.bin"), b"x")?;
        let link = model.join("escape.bin");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(root.join("secret.bin"), &link)?;
        let dir = model.canonicalize()?;
        assert!(resolve_in_dir(&dir, "ok.bin").is_ok());
        let err = resolve_in_dir(&dir, "escape.bin");
        assert!(
            matches!(err, Err(Error::Format(ref m)) if m.contains("outside")),
            "{err:?}"
        );
        assert!(matches!(resolve_in_dir(&dir, "missing.bin"), Err(Error::Io(_))));
        std::fs::remove_dir_all(&root)?;
        Ok(())
    }
}
