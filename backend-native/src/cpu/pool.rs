//! A process-wide cache of freed buffer allocations. Large outputs would otherwise come from fresh
//! `mmap`s and pay a page fault per 4 KiB on first write (often more than the kernel itself);
//! reusing a recently freed vector of a similar size avoids that. Only allocations of at least
//! `MIN_BYTES` are cached, at most `MAX_BYTES` in total (oldest evicted first).

use std::sync::Mutex;

use ferroflow_core::HostData;

const MIN_BYTES: usize = 256 << 10;
#[cfg(not(target_arch = "wasm32"))]
const MAX_BYTES: usize = 256 << 20;
#[cfg(target_arch = "wasm32")]
const MAX_BYTES: usize = 64 << 20;

pub(crate) struct Inner {
    f32s: Vec<Vec<f32>>,
    i32s: Vec<Vec<i32>>,
    bools: Vec<Vec<bool>>,
    bytes: usize,
}

static POOL: Mutex<Inner> = Mutex::new(Inner {
    f32s: Vec::new(),
    i32s: Vec::new(),
    bools: Vec::new(),
    bytes: 0,
});

/// Element types whose vectors are cached.
pub(crate) trait Pooled: Sized {
    fn list(inner: &mut Inner) -> &mut Vec<Vec<Self>>;
}

impl Pooled for f32 {
    fn list(inner: &mut Inner) -> &mut Vec<Vec<f32>> {
        &mut inner.f32s
    }
}
impl Pooled for i32 {
    fn list(inner: &mut Inner) -> &mut Vec<Vec<i32>> {
        &mut inner.i32s
    }
}
impl Pooled for bool {
    fn list(inner: &mut Inner) -> &mut Vec<Vec<bool>> {
        &mut inner.bools
    }
}

fn bytes_of<T>(v: &Vec<T>) -> usize {
    v.capacity().saturating_mul(std::mem::size_of::<T>())
}

/// An empty vector with capacity for at least `n` elements (at most twice that), if one is cached.
pub(crate) fn take<T: Pooled>(n: usize) -> Option<Vec<T>> {
    if n.saturating_mul(std::mem::size_of::<T>()) < MIN_BYTES {
        return None;
    }
    let mut inner = POOL.lock().ok()?;
    let list = T::list(&mut inner);
    let best = list
        .iter()
        .enumerate()
        .filter(|(_, v)| v.capacity() >= n && v.capacity() / 2 <= n)
        .min_by_key(|(_, v)| v.capacity())
        .map(|(i, _)| i)?;
    let mut v = list.remove(best);
    inner.bytes = inner.bytes.saturating_sub(bytes_of(&v));
    v.clear();
    Some(v)
}

/// A vector of exactly `n` elements whose contents are unspecified (left over from a cached
/// buffer, or zero), for callers that overwrite every element.
pub(crate) fn take_dirty<T: Pooled + Copy + Default>(n: usize) -> Option<Vec<T>> {
    if n.saturating_mul(std::mem::size_of::<T>()) < MIN_BYTES {
        return None;
    }
    let mut inner = POOL.lock().ok()?;
    let list = T::list(&mut inner);
    let best = list
        .iter()
        .enumerate()
        .filter(|(_, v)| v.capacity() >= n && v.capacity() / 2 <= n)
        .min_by_key(|(_, v)| v.capacity())
        .map(|(i, _)| i)?;
    let mut v = list.remove(best);
    inner.bytes = inner.bytes.saturating_sub(bytes_of(&v));
    drop(inner);
    if v.len() >= n {
        v.truncate(n);
    } else {
        v.resize(n, T::default());
    }
    Some(v)
}

/// Caches a vector that is no longer needed (or drops it when too small or the cache is full).
pub(crate) fn give<T: Pooled>(v: Vec<T>) {
    let b = bytes_of(&v);
    if !(MIN_BYTES..=MAX_BYTES / 4).contains(&b) {
        return;
    }
    let Ok(mut inner) = POOL.lock() else { return };
    while inner.bytes + b > MAX_BYTES {
        // Evict the oldest entry of any type.
        let freed = if let Some(x) = pop_front(&mut inner.f32s) {
            x
        } else if let Some(x) = pop_front(&mut inner.i32s) {
            x
        } else if let Some(x) = pop_front(&mut inner.bools) {
            x
        } else {
            break;
        };
        inner.bytes = inner.bytes.saturating_sub(freed);
    }
    inner.bytes += b;
    T::list(&mut inner).push(v);
}

fn pop_front<T>(list: &mut Vec<Vec<T>>) -> Option<usize> {
    if list.is_empty() {
        None
    } else {
        Some(bytes_of(&list.remove(0)))
    }
}

/// Returns a buffer's storage to the cache.
pub(crate) fn give_host(data: HostData) {
    match data {
        HostData::F32(v) => give(v),
        HostData::I32(v) => give(v),
        HostData::Bool(v) => give(v),
    }
}

/// Drops every cached allocation.
pub fn release_cached_memory() {
    if let Ok(mut inner) = POOL.lock() {
        *inner = Inner {
            f32s: Vec::new(),
            i32s: Vec::new(),
            bools: Vec::new(),
            bytes: 0,
        };
    }
}

thread_local! {
    /// Per-thread scratch vectors (column tiles, result tiles): reused by the next task on the
    /// thread, so small tiles cost neither an allocation nor zeroing nor fresh-page faults.
    static SCRATCH: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Scratch vectors kept per thread (nested users each hold one).
const SCRATCH_KEEP: usize = 4;

/// Runs `f` on a scratch slice of `n` floats with unspecified (initialized) contents, taken from
/// this thread's cache and returned to it afterwards.
pub(crate) fn with_scratch<R>(n: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut v = take_scratch(n);
    let r = f(&mut v[..n]);
    give_scratch(v);
    r
}

/// A vector of exactly `n` floats (unspecified contents) from this thread's scratch cache.
pub(crate) fn take_scratch(n: usize) -> Vec<f32> {
    let mut v = SCRATCH
        .try_with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.pop()))
        .ok()
        .flatten()
        .unwrap_or_default();
    v.resize(n, 0.0);
    v
}

/// Returns a vector from [`take_scratch`] to this thread's cache.
pub(crate) fn give_scratch(v: Vec<f32>) {
    let _ = SCRATCH.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SCRATCH_KEEP {
                c.push(v);
            }
        }
    });
}
