//! Parallel loops: rayon on native targets with the `threads` feature, plain loops otherwise.
//! Every helper is deterministic: work is split by index, never by arrival order.

use ferroflow_core::Result;

/// Threads available to the current kernel (the installed pool's size).
pub(crate) fn threads() -> usize {
    #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(all(feature = "threads", not(target_arch = "wasm32"))))]
    {
        1
    }
}

/// Chunk length that splits `n` items of about `cost` work units each into a few tasks per
/// thread, never below `min_chunk` items (and `n` itself when parallelism would not pay).
pub(crate) fn chunk_len(n: usize, cost: usize, min_chunk: usize, align: usize) -> usize {
    const MIN_TASK_WORK: usize = 1 << 15;
    let t = threads();
    let n = n.max(1);
    if t <= 1 || n.saturating_mul(cost.max(1)) < 2 * MIN_TASK_WORK {
        return n;
    }
    let per_task_items = MIN_TASK_WORK.div_ceil(cost.max(1)).max(min_chunk).max(1);
    let chunk = n.div_ceil(t * 4).max(per_task_items);
    let align = align.max(1);
    chunk.div_ceil(align).saturating_mul(align).min(n)
}

/// Runs `f(chunk_index, chunk)` over `data.chunks_mut(chunk)`, in parallel where possible, and
/// returns the first error.
pub(crate) fn try_chunks_mut<T, F>(data: &mut [T], chunk: usize, f: F) -> Result<()>
where
    T: Send,
    F: Fn(usize, &mut [T]) -> Result<()> + Sync + Send,
{
    if data.is_empty() {
        return Ok(());
    }
    let chunk = chunk.max(1);
    #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
    {
        if threads() > 1 && data.len() > chunk {
            use rayon::prelude::*;
            return data.par_chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c));
        }
    }
    data.chunks_mut(chunk).enumerate().try_for_each(|(i, c)| f(i, c))
}

/// `(0..n).map(f).collect()`, in parallel where possible.
pub(crate) fn try_map<R, F>(n: usize, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(usize) -> Result<R> + Sync + Send,
{
    #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
    {
        if threads() > 1 && n > 1 {
            use rayon::prelude::*;
            return (0..n).into_par_iter().map(f).collect();
        }
    }
    (0..n).map(f).collect()
}
