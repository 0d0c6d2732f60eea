//! Digits to classify: raw `N x 784` byte files, the demos' MNIST test split, and where each came
//! from.

use std::path::Path;

/// Pixels per digit (28 x 28).
pub const PIXELS: usize = 784;
/// Side of a digit image.
pub const SIDE: u32 = 28;
/// Digits in the demos' held-out test split (`mnist-native --test-size` default).
pub const TEST_SPLIT: usize = 2000;
/// The seed of the demos' train/test shuffle (`ferroflow_demos::mnist::SPLIT_SEED`; a test checks
/// both give the same split).
pub const SPLIT_SEED: u64 = 0x6d6e_6973_7400_0001;

/// One digit: 28x28 bytes, row-major, 0 = black background, 255 = white ink (MNIST's convention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digit {
    /// Where it came from: a file name, `test[i]` or `IMAGES.bin[i]`.
    pub source: String,
    pub pixels: Vec<u8>,
    pub label: Option<u8>,
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{what} {}: {}", path.display(), plain_io(&e)))
}

/// An I/O error without Rust's "(os error N)" suffix.
pub fn plain_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// Digits from `images` (`N x 784` bytes) and optionally `labels` (`N` bytes, each 0..=9).
pub fn load_bin(images: &Path, labels: Option<&Path>) -> Result<Vec<Digit>, String> {
    let px = read_file(images, "digits file")?;
    if px.is_empty() || px.len() % PIXELS != 0 {
        return Err(format!(
            "digits file {}: {} bytes is not a whole number of 28x28 digits (784 bytes each)",
            images.display(),
            px.len()
        ));
    }
    let n = px.len() / PIXELS;
    let labels = match labels {
        Some(p) => {
            let l = read_file(p, "labels file")?;
            if l.len() != n {
                return Err(format!(
                    "labels file {}: {} labels for {n} digits in {}",
                    p.display(),
                    l.len(),
                    images.display()
                ));
            }
            if let Some((i, bad)) = l.iter().enumerate().find(|(_, &v)| v > 9) {
                return Err(format!("labels file {}: label {i} is {bad}, not a digit", p.display()));
            }
            Some(l)
        }
        None => None,
    };
    let name = images
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(px
        .chunks_exact(PIXELS)
        .enumerate()
        .map(|(i, c)| Digit {
            source: format!("{name}[{i}]"),
            pixels: c.to_vec(),
            label: labels.as_ref().and_then(|l| l.get(i).copied()),
        })
        .collect())
}

/// Indices of the demos' test split of `total` examples, in test-set order: a Fisher-Yates shuffle
/// of `0..total` with [`SPLIT_SEED`], first [`TEST_SPLIT`] taken.
pub fn test_indices(total: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..total).collect();
    ferroflow::rng::SplitMix64::new(SPLIT_SEED).shuffle(&mut idx);
    idx.truncate(TEST_SPLIT.min(total));
    idx
}

/// The first `n` digits of the demos' MNIST test split, read from `dir` (`images-u8.bin`,
/// `labels-u8.bin`, written by `demos/scripts/fetch-mnist.sh`).
pub fn load_test_set(dir: &Path, n: usize) -> Result<Vec<Digit>, String> {
    let images = dir.join("images-u8.bin");
    let labels = dir.join("labels-u8.bin");
    if !images.is_file() || !labels.is_file() {
        return Err(format!(
            "MNIST data not found in {} (images-u8.bin, labels-u8.bin): run demos/scripts/fetch-mnist.sh or pass --data-dir",
            dir.display()
        ));
    }
    let all = load_bin(&images, Some(&labels))?;
    Ok(test_indices(all.len())
        .iter()
        .take(n)
        .enumerate()
        .filter_map(|(k, &i)| {
            all.get(i).map(|d| Digit {
                source: format!("test[{k}]"),
                pixels: d.pixels.clone(),
                label: d.label,
            })
        })
        .collect())
}
