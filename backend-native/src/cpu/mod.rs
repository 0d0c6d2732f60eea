//! The CPU backend.
//!
//! Elementwise and reduction kernels are interpreted: their SSA expression is compiled to a list
//! of steps over typed register blocks (module `eval`), loads walk strided views run by run (with
//! fast paths for contiguous, broadcast-periodic and transposed views), and blocks are spread over
//! threads with rayon. Hot loops are compiled twice and picked at run time (AVX2 or baseline),
//! with the same results either way; exp, ln, tanh and sigmoid use vectorizable approximations
//! within 2 ulp. Matmul and convolution go through the `gemm` crate (convolution as im2col + gemm,
//! or a direct loop for depthwise shapes). Freed large buffers are cached for reuse
//! ([`release_cached_memory`] empties the cache). On `wasm32` (or without the `threads` feature)
//! everything runs on the calling thread.

mod alloc;
mod bounds;
mod buffer;
mod conv;
mod elem;
mod eval;
mod gather;
mod load;
mod matmul;
pub(crate) mod ops;
mod par;
mod pool;
mod reduce;

use std::sync::Arc;

use ferroflow_core::ir::{ExprOp, Kernel, KernelBody, Source};
use ferroflow_core::{Backend, Buffer, DType, Error, Executable, HostData, MemoryInfo, Result};

pub use buffer::CpuBuffer;
pub use pool::release_cached_memory;

use conv::ConvPlan;
use eval::Program;
use gather::{GatherPlan, ScatterAddPlan};
use matmul::MatMulPlan;
use reduce::ReducePlan;

/// A backend error naming this backend.
pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::backend("cpu", msg)
}

/// Scalar semantics shared with other backends' reference tests.
pub mod semantics {
    pub use crate::cpu::ops::{
        erf, exp, floor_div_i32, floor_mod_i32, ln, max_f32, min_f32, mod_f32, pow_i32, sigmoid, tanh,
    };
}

/// What kernels run on: the thread pool (if any) and the memory counters.
struct Ctx {
    mem: Arc<ferroflow_core::MemoryCounter>,
    #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
    pool: Option<rayon::ThreadPool>,
    threads: usize,
}

impl Ctx {
    fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
        if let Some(pool) = &self.pool {
            return pool.install(f);
        }
        f()
    }
}

/// The CPU backend.
#[derive(Clone)]
pub struct CpuBackend {
    ctx: Arc<Ctx>,
}

impl std::fmt::Debug for CpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CpuBackend({} threads)", self.ctx.threads)
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        CpuBackend::new()
    }
}

impl CpuBackend {
    /// A backend on rayon's global thread pool (one thread on wasm32 or without `threads`).
    pub fn new() -> CpuBackend {
        #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
        let ctx = Ctx {
            mem: Arc::default(),
            pool: None,
            threads: rayon::current_num_threads().max(1),
        };
        #[cfg(not(all(feature = "threads", not(target_arch = "wasm32"))))]
        let ctx = Ctx {
            mem: Arc::default(),
            threads: 1,
        };
        CpuBackend { ctx: Arc::new(ctx) }
    }

    /// A backend with its own pool of `threads` threads (`1` runs every kernel on the calling
    /// thread). Without thread support the count is ignored and kernels run on the caller.
    pub fn with_threads(threads: usize) -> Result<CpuBackend> {
        let threads = threads.max(1);
        #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
        {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("ferroflow-cpu-{i}"))
                .build()
                .map_err(|e| err(format!("cannot start {threads} threads: {e}")))?;
            Ok(CpuBackend {
                ctx: Arc::new(Ctx {
                    mem: Arc::default(),
                    pool: Some(pool),
                    threads,
                }),
            })
        }
        #[cfg(not(all(feature = "threads", not(target_arch = "wasm32"))))]
        {
            let _ = threads;
            Ok(CpuBackend::new())
        }
    }

    /// Threads kernels may use.
    pub fn threads(&self) -> usize {
        self.ctx.threads
    }
}

fn host(b: &Buffer) -> Result<&HostData> {
    Ok(b.downcast::<CpuBuffer>("cpu")?.data())
}

impl Backend for CpuBackend {
    fn name(&self) -> &str {
        "cpu"
    }

    fn description(&self) -> String {
        let t = self.ctx.threads;
        format!("cpu ({t} thread{})", if t == 1 { "" } else { "s" })
    }

    fn upload(&self, data: &HostData) -> Result<Buffer> {
        fn copy<T: Copy + pool::Pooled>(v: &[T]) -> Result<Vec<T>> {
            let mut out = alloc::alloc_empty(v.len())?;
            out.extend_from_slice(v);
            Ok(out)
        }
        let data = match data {
            HostData::F32(v) => HostData::F32(copy(v)?),
            HostData::I32(v) => HostData::I32(copy(v)?),
            HostData::Bool(v) => HostData::Bool(copy(v)?),
        };
        Ok(Buffer::new(CpuBuffer::new(data, &self.ctx.mem)))
    }

    fn download(&self, buf: &Buffer) -> Result<HostData> {
        Ok(host(buf)?.clone())
    }

    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        Ok(Arc::new(CpuExecutable {
            plan: Plan::build(kernel)?,
            kernel: kernel.clone(),
            ctx: self.ctx.clone(),
        }))
    }

    fn memory(&self) -> MemoryInfo {
        self.ctx.mem.info()
    }
}

enum Plan {
    Elementwise(Program),
    Reduce(ReducePlan),
    MatMul(MatMulPlan),
    Conv(Box<ConvPlan>),
    Gather(GatherPlan),
    ScatterAdd(ScatterAddPlan),
    /// The template runs into a temporary that the epilogue program reads as one extra input
    /// (the slot after the kernel's own inputs).
    WithEpilogue(Box<Plan>, Program),
}

impl Plan {
    fn build(k: &Kernel) -> Result<Plan> {
        let want_inputs = |n: usize| {
            if k.num_inputs == n {
                Ok(())
            } else {
                Err(err(format!(
                    "{} kernel needs {n} inputs, declares {}",
                    k.kind(),
                    k.num_inputs
                )))
            }
        };
        Ok(match &k.body {
            KernelBody::Elementwise(expr) => {
                if expr.shape != k.out_shape || expr.dtype() != k.out_dtype {
                    return Err(err(format!(
                        "elementwise kernel computes {:?} {} but declares {:?} {}",
                        expr.shape,
                        expr.dtype(),
                        k.out_shape,
                        k.out_dtype
                    )));
                }
                Plan::Elementwise(Program::build(expr, None, k.num_inputs)?)
            }
            KernelBody::Reduce { op, axes, expr } => Plan::Reduce(ReducePlan::build(
                *op,
                axes,
                expr,
                &k.out_shape,
                k.out_dtype,
                k.num_inputs,
            )?),
            KernelBody::MatMul { a, b } => {
                want_inputs(2)?;
                Plan::MatMul(MatMulPlan::build(a, b, &k.out_shape, k.out_dtype)?)
            }
            KernelBody::Conv { params, x, w } => {
                want_inputs(2)?;
                Plan::Conv(Box::new(ConvPlan::build(params, x, w, &k.out_shape, k.out_dtype)?))
            }
            KernelBody::Gather {
                outer,
                axis_len,
                n_idx,
                inner,
            } => {
                want_inputs(2)?;
                Plan::Gather(GatherPlan::build(
                    *outer,
                    *axis_len,
                    *n_idx,
                    *inner,
                    &k.out_shape,
                    k.out_dtype,
                )?)
            }
            KernelBody::WithEpilogue { template, epilogue } => {
                if epilogue.shape != k.out_shape || epilogue.dtype() != k.out_dtype || k.num_inputs < 2 {
                    return Err(err("epilogue kernel: expression and declared output differ"));
                }
                let shape = template.template_shape()?;
                if bounds::numel("epilogue", &shape)? != bounds::numel("epilogue", &epilogue.shape)? {
                    return Err(err(format!(
                        "epilogue over {:?} does not match the template's output {shape:?}",
                        epilogue.shape
                    )));
                }
                let inner = Kernel {
                    num_inputs: 2,
                    out_shape: shape,
                    out_dtype: DType::F32,
                    body: (**template).clone(),
                };
                let acc = k.num_inputs;
                let mut expr = epilogue.clone();
                for n in &mut expr.nodes {
                    if let ExprOp::Load { src, view } = &mut n.op {
                        if *src == Source::Accumulator {
                            if !view.is_contiguous() {
                                return Err(err("epilogue reads the accumulator through a non-identity view"));
                            }
                            *src = Source::Input(acc);
                        }
                    }
                }
                Plan::WithEpilogue(Box::new(Plan::build(&inner)?), Program::build(&expr, None, acc + 1)?)
            }
            KernelBody::ScatterAdd {
                outer,
                n_idx,
                inner,
                axis_len,
            } => {
                want_inputs(2)?;
                Plan::ScatterAdd(ScatterAddPlan::build(
                    *outer,
                    *n_idx,
                    *inner,
                    *axis_len,
                    &k.out_shape,
                    k.out_dtype,
                )?)
            }
        })
    }

    fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        match self {
            Plan::Elementwise(p) => eval::run_elementwise(p, inputs),
            Plan::Reduce(p) => p.run(inputs),
            Plan::MatMul(p) => p.run(inputs),
            Plan::Conv(p) => p.run(inputs),
            Plan::Gather(p) => p.run(inputs),
            Plan::ScatterAdd(p) => p.run(inputs),
            Plan::WithEpilogue(template, epilogue) => {
                if let Plan::Conv(conv) = template.as_ref() {
                    if let Some(out) = conv.run_with_epilogue(inputs, epilogue)? {
                        return Ok(out);
                    }
                }
                let pair = inputs
                    .get(..2)
                    .ok_or_else(|| err("epilogue kernel: missing template inputs"))?;
                let acc = template.run(pair)?;
                let mut all = inputs.to_vec();
                all.push(&acc);
                eval::run_elementwise(epilogue, &all)
            }
        }
    }
}

struct CpuExecutable {
    plan: Plan,
    kernel: Kernel,
    ctx: Arc<Ctx>,
}

impl Executable for CpuExecutable {
    fn run(&self, inputs: &[&Buffer]) -> Result<Buffer> {
        let k = &self.kernel;
        if inputs.len() != k.num_inputs {
            return Err(err(format!(
                "{} kernel expects {} inputs, got {}",
                k.kind(),
                k.num_inputs,
                inputs.len()
            )));
        }
        let hosts = inputs.iter().map(|b| host(b)).collect::<Result<Vec<_>>>()?;
        let out = self.ctx.install(|| self.plan.run(&hosts))?;
        let expect = bounds::numel("output", &k.out_shape)?;
        if out.len() != expect || out.dtype() != k.out_dtype {
            return Err(err(format!(
                "{} kernel produced {} x {}, declared {:?} {}",
                k.kind(),
                out.len(),
                out.dtype(),
                k.out_shape,
                k.out_dtype
            )));
        }
        Ok(Buffer::new(CpuBuffer::new(out, &self.ctx.mem)))
    }
}
