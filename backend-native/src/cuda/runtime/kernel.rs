//! A compiled kernel: its loaded function, launch shape, and the checks one run makes before it
//! launches (input count, dtypes, and that every input holds the elements the kernel reads: an
//! out-of-bounds read on a GPU is a sticky context error or silent garbage, never a clean error).

use std::sync::Arc;

use cudarc::driver::{CudaFunction, LaunchConfig, PushKernelArg};
use ferroflow_core::ir::{Expr, ExprOp, Kernel, KernelBody, Source, View};
use ferroflow_core::{BackendBuffer, Buffer, DType, Error, Executable, MemoryCounter, Result};

use super::buffer::CudaBuffer;
use super::module_cache::ModuleCache;
use super::{call, error, Gpu};
use crate::cuda::render::render;

pub(crate) struct CudaExecutable {
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
    function: CudaFunction,
    grid: [u32; 3],
    block: [u32; 3],
    /// The dtype the kernel reads from each input (`None`: not read, any buffer will do).
    inputs: Vec<Option<DType>>,
    /// The fewest elements each input must hold for every read to stay in bounds.
    needs: Vec<usize>,
    out_len: usize,
    out_dtype: DType,
    kind: &'static str,
}

impl CudaExecutable {
    pub(crate) fn compile(
        gpu: &Arc<Gpu>,
        mem: &Arc<MemoryCounter>,
        modules: &ModuleCache,
        kernel: &Kernel,
    ) -> Result<CudaExecutable> {
        gpu.check()?;
        let rendered = render(kernel, &gpu.limits)?;
        if rendered.inputs.len() != kernel.num_inputs {
            return Err(error(format!(
                "{} kernel declares {} inputs but renders {}",
                kernel.kind(),
                kernel.num_inputs,
                rendered.inputs.len()
            )));
        }
        if rendered.output != kernel.out_dtype {
            return Err(error(format!(
                "{} kernel declares a {} output but renders {}",
                kernel.kind(),
                kernel.out_dtype,
                rendered.output
            )));
        }
        check_launch(gpu, rendered.grid, rendered.block)?;
        let needs = input_needs(kernel)?;
        let out_len = kernel
            .out_shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| Error::size("cuda", format!("output shape {:?} overflows", kernel.out_shape)))?;
        let function = modules.function(gpu, &rendered.source)?;
        Ok(CudaExecutable {
            gpu: gpu.clone(),
            mem: mem.clone(),
            function,
            grid: rendered.grid,
            block: rendered.block,
            inputs: rendered.inputs,
            needs,
            out_len,
            out_dtype: kernel.out_dtype,
            kind: kernel.kind(),
        })
    }
}

/// A launch shape the device accepts (the renderer targets the common limits; this catches a
/// device with smaller ones before the driver does, with a clearer message).
fn check_launch(gpu: &Gpu, grid: [u32; 3], block: [u32; 3]) -> Result<()> {
    let threads = block.iter().try_fold(1u32, |a, &b| a.checked_mul(b));
    if threads.is_none_or(|t| t == 0 || t > gpu.info.max_threads_per_block) {
        return Err(Error::size(
            "cuda",
            format!(
                "a block of {block:?} threads exceeds this device's {} per block",
                gpu.info.max_threads_per_block
            ),
        ));
    }
    if grid.iter().zip(&gpu.info.max_grid).any(|(&g, &m)| g == 0 || g > m) {
        return Err(Error::size(
            "cuda",
            format!(
                "a grid of {grid:?} blocks exceeds this device's {:?}",
                gpu.info.max_grid
            ),
        ));
    }
    Ok(())
}

/// For each input slot, one past the largest element index the kernel may read (0: none).
pub(crate) fn input_needs(kernel: &Kernel) -> Result<Vec<usize>> {
    let mut needs = vec![0usize; kernel.num_inputs];
    body_needs(&kernel.body, &mut needs)?;
    Ok(needs)
}

fn need(needs: &mut [usize], slot: usize, n: usize) -> Result<()> {
    let len = needs.len();
    let cell = needs
        .get_mut(slot)
        .ok_or_else(|| error(format!("kernel reads input {slot} but declares {len} inputs")))?;
    *cell = (*cell).max(n);
    Ok(())
}

fn product(dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::size("cuda", format!("input of shape {dims:?} overflows")))
}

fn body_needs(body: &KernelBody, needs: &mut [usize]) -> Result<()> {
    match body {
        KernelBody::Elementwise(expr) | KernelBody::Reduce { expr, .. } => expr_needs(expr, needs),
        KernelBody::MatMul { a, b } => {
            need(needs, 0, view_extent(a)?)?;
            need(needs, 1, view_extent(b)?)
        }
        KernelBody::Conv { x, w, .. } => {
            need(needs, 0, view_extent(x)?)?;
            need(needs, 1, view_extent(w)?)
        }
        KernelBody::Gather {
            outer,
            axis_len,
            n_idx,
            inner,
        } => {
            need(needs, 0, product(&[*outer, *axis_len, *inner])?)?;
            need(needs, 1, *n_idx)
        }
        KernelBody::ScatterAdd {
            outer, n_idx, inner, ..
        } => {
            need(needs, 0, product(&[*outer, *n_idx, *inner])?)?;
            need(needs, 1, *n_idx)
        }
        KernelBody::WithEpilogue { template, epilogue } => {
            body_needs(template, needs)?;
            expr_needs(epilogue, needs)
        }
    }
}

fn expr_needs(expr: &Expr, needs: &mut [usize]) -> Result<()> {
    for node in &expr.nodes {
        if let ExprOp::Load { src, view } = &node.op {
            match src {
                Source::Input(i) => need(needs, *i, view_extent(view)?)?,
                // The u64 seed: two i32 words.
                Source::Rand { seed_input } => need(needs, *seed_input, 2)?,
                Source::Const(_) | Source::Arange | Source::Accumulator => {}
            }
        }
    }
    Ok(())
}

/// One past the largest source index `view` reads over its unmasked positions (0 when every
/// position is masked out); an error when it would read below index 0.
pub(crate) fn view_extent(view: &View) -> Result<usize> {
    let bad = || error(format!("view {view:?} does not fit its source's index range"));
    if view.strides.len() != view.shape.len() {
        return Err(bad());
    }
    let (mut lo, mut hi) = (view.offset as i128, view.offset as i128);
    for (d, (&n, &stride)) in view.shape.iter().zip(&view.strides).enumerate() {
        let (first, end) = match &view.mask {
            Some(m) => {
                let &(a, b) = m.get(d).ok_or_else(bad)?;
                (a, b.min(n))
            }
            None => (0, n),
        };
        if first >= end {
            return Ok(0);
        }
        let (a, b) = (first as i128 * stride as i128, (end - 1) as i128 * stride as i128);
        lo += a.min(b);
        hi += a.max(b);
    }
    if lo < 0 {
        return Err(bad());
    }
    usize::try_from(hi + 1).map_err(|_| bad())
}

impl Executable for CudaExecutable {
    fn run(&self, inputs: &[&Buffer]) -> Result<Buffer> {
        if inputs.len() != self.inputs.len() {
            return Err(error(format!(
                "{} kernel expects {} inputs, got {}",
                self.kind,
                self.inputs.len(),
                inputs.len()
            )));
        }
        let mut ptrs = Vec::with_capacity(inputs.len() + 1);
        for (i, ((b, want), &needed)) in inputs.iter().zip(&self.inputs).zip(&self.needs).enumerate() {
            let c = b.downcast::<CudaBuffer>("cuda")?;
            if let Some(d) = want {
                if c.dtype() != *d {
                    return Err(Error::dtype(
                        "cuda",
                        format!("{} kernel input {i} is {}, expected {d}", self.kind, c.dtype()),
                    ));
                }
            }
            if c.len() < needed {
                return Err(Error::size(
                    "cuda",
                    format!(
                        "{} kernel reads {needed} elements of input {i}, which holds {}",
                        self.kind,
                        c.len()
                    ),
                ));
            }
            ptrs.push(c.device_ptr(&self.gpu)?);
        }
        self.gpu.check()?;
        let out = CudaBuffer::alloc(&self.gpu, &self.mem, self.out_len, self.out_dtype)?;
        if self.out_len == 0 {
            return Ok(Buffer::new(out));
        }
        ptrs.push(out.device_ptr(&self.gpu)?);
        let cfg = LaunchConfig {
            grid_dim: (self.grid[0], self.grid[1], self.grid[2]),
            block_dim: (self.block[0], self.block[1], self.block[2]),
            shared_mem_bytes: 0,
        };
        let stream = &self.gpu.stream;
        call("launching the kernel", || {
            let mut launch = stream.launch_builder(&self.function);
            for p in &ptrs {
                launch.arg(p);
            }
            // SAFETY: the kernel's parameters are `in0..inN, out`, all pointers (8 bytes each, as
            // the u64 addresses pushed here); each input's dtype and length were checked against
            // what the kernel reads, and `out` holds `out_len` elements of the output dtype. Every
            // buffer is freed on this stream after the launch, so none is freed while it runs.
            unsafe { launch.launch(cfg) }.map(|_| ())
        })?;
        Ok(Buffer::new(out))
    }
}
