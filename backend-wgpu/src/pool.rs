//! Storage buffers recycled by size class, so a training step that frees and allocates the same
//! shapes every iteration stops allocating after the first one.
//!
//! Classes are four per power of two (at most 25% slack); requests below [`MIN_CLASS`] share the
//! smallest class. Freed buffers wait in per-class free lists up to [`MAX_POOLED_BYTES`] in total;
//! beyond that they are destroyed.

use std::collections::HashMap;
use std::sync::Mutex;

/// Smallest allocation (bytes); also keeps zero-element tensors bindable.
const MIN_CLASS: u64 = 256;
/// Free buffers kept for reuse, in bytes.
const MAX_POOLED_BYTES: u64 = 512 << 20;

/// The allocation size for a request of `bytes`.
pub(crate) fn size_class(bytes: u64) -> u64 {
    if bytes <= MIN_CLASS {
        return MIN_CLASS;
    }
    let top = 63 - (bytes - 1).leading_zeros() as u64; // 2^top < bytes <= 2^(top+1)
    let quarter = 1u64 << top.saturating_sub(2);
    (bytes.div_ceil(quarter)).saturating_mul(quarter)
}

#[derive(Default)]
struct Free {
    lists: HashMap<u64, Vec<wgpu::Buffer>>,
    bytes: u64,
}

#[derive(Default)]
pub(crate) struct BufferPool {
    free: Mutex<Free>,
}

impl BufferPool {
    /// A pooled buffer of exactly `class` bytes, if one is free.
    pub(crate) fn take(&self, class: u64) -> Option<wgpu::Buffer> {
        let mut f = self.free.lock().ok()?;
        let b = f.lists.get_mut(&class)?.pop()?;
        f.bytes -= class;
        Some(b)
    }

    /// Returns a buffer for reuse (or destroys it when the pool is full).
    pub(crate) fn give(&self, class: u64, buf: wgpu::Buffer) {
        if let Ok(mut f) = self.free.lock() {
            if f.bytes + class <= MAX_POOLED_BYTES {
                f.bytes += class;
                f.lists.entry(class).or_default().push(buf);
                return;
            }
        }
        buf.destroy();
    }

    /// Destroys every pooled buffer.
    pub(crate) fn clear(&self) {
        if let Ok(mut f) = self.free.lock() {
            for b in f.lists.drain().flat_map(|(_, v)| v) {
                b.destroy();
            }
            f.bytes = 0;
        }
    }

    pub(crate) fn pooled_bytes(&self) -> u64 {
        self.free.lock().map(|f| f.bytes).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::size_class;

    #[test]
    fn classes_cover_requests_with_bounded_slack() {
        assert_eq!(size_class(0), 256);
        assert_eq!(size_class(256), 256);
        for bytes in [
            257u64,
            300,
            1000,
            1024,
            1025,
            4096 + 4,
            1 << 20,
            (1 << 20) + 1,
            123_456_789,
        ] {
            let c = size_class(bytes);
            assert!(c >= bytes, "{bytes} -> {c}");
            assert!(c as f64 <= bytes as f64 * 1.25 + 1.0, "{bytes} -> {c}");
            assert_eq!(c % 4, 0);
        }
    }
}
