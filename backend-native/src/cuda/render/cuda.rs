//! CUDA C vocabulary shared by every template: storage types, exact literals, kernel parameter
//! lists, the 1-D thread index, and the math prelude.
//!
//! Storage layout: f32 and i32 as themselves; bool as one `unsigned char` (0/1) per element, the
//! host's `bool` layout, so uploads need no conversion. The prelude ports the CPU backend's
//! approximations (same polynomials, same operation order; NVRTC is run with `--fmad=false` so no
//! multiply-add is contracted, see `cuda::nvrtc`) and spells out the integer semantics that C
//! leaves undefined (signed overflow, `INT_MIN / -1`, out-of-range float-to-int casts).

use ferroflow_core::ir::clike::{self, Dialect, KernelDialect, Launch, Written};
use ferroflow_core::ir::plan::{self, GemmPlan, ViewIndex};
use ferroflow_core::ir::{BinaryOp, UnaryOp};
use ferroflow_core::{DType, Scalar};

use super::{grid_1d, CudaKernel, RenderLimits};

/// The name every rendered module gives its one kernel.
pub const KERNEL_ENTRY: &str = "ff_kernel";

/// CUDA C's spellings for core's C-like writer; device functions that load take `buffers` as
/// parameters.
pub(crate) struct Cuda {
    pub buffers: Buffers,
    pub limits: RenderLimits,
}

/// C's spellings but for literals, function headers and where CUDA's math or C's undefined
/// integer behaviour asks for another spelling.
impl Dialect for Cuda {
    fn literal(&self, s: Scalar) -> String {
        literal(s)
    }
    fn unary(&self, op: UnaryOp, d: DType, a: &str) -> Option<String> {
        // sqrt, division, sin, cos, floor, ceil and rint are IEEE-exact or within 2 ulp in CUDA
        // without fast math, as Rust's std is on the CPU; signed overflow is undefined in C.
        match (op, d) {
            (UnaryOp::Neg, DType::I32) => Some(format!("ff_neg_i32({a})")),
            (UnaryOp::Sqrt | UnaryOp::Sin | UnaryOp::Cos | UnaryOp::Floor | UnaryOp::Ceil, _) => {
                Some(format!("{}f({a})", op.name()))
            }
            (UnaryOp::Round, _) => Some(format!("rintf({a})")),
            (UnaryOp::Recip, _) => Some(format!("(1.0f / {a})")),
            _ => None,
        }
    }
    fn binary(&self, op: BinaryOp, d: DType, a: &str, b: &str) -> Option<String> {
        match (op, d) {
            (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul, DType::I32) => {
                Some(format!("ff_{}_i32({a}, {b})", op.name()))
            }
            (BinaryOp::Div, DType::F32) => Some(format!("({a} / {b})")),
            // C's powf has the IEEE special cases the CPU's f32::powf has.
            (BinaryOp::Pow, DType::F32) => Some(format!("powf({a}, {b})")),
            _ => None,
        }
    }
    fn view_offset(&mut self, index: &ViewIndex) -> plan::Result<(String, Option<String>)> {
        Ok(super::expr::view_offset(index))
    }
    fn function(&self, name: &str, params: &[(String, String)], ret: &str) -> String {
        let mut all = vec![self.buffers.input_params()];
        all.extend(params.iter().map(|(n, t)| format!("{t} {n}")));
        format!("FF_DEV {ret} {name}({}) {{\n", join_nonempty(&all))
    }
}

impl KernelDialect for Cuda {
    type Kernel = CudaKernel;
    const LOCAL_THREAD: &'static str = "threadIdx.x";
    const GROUP: &'static str = "blockIdx.x";
    const BARRIER: &'static str = "__syncthreads()";

    fn threads(&self) -> u32 {
        self.limits.block_size
    }
    fn module_head(&mut self, inputs: &[Option<DType>], output: DType) -> String {
        self.buffers = Buffers {
            inputs: inputs.to_vec(),
            output,
        };
        prelude().to_string()
    }
    fn entry(&self, shared: Option<(&str, u32)>) -> String {
        let shared = shared.map_or(String::new(), |(ty, n)| format!("    __shared__ {ty} partial[{n}];\n"));
        self.buffers.entry(self.threads()) + &shared
    }
    fn flat_thread(&self) -> String {
        // Blocks along x only: CUDA allows 2^31 - 1 of them, more than any output the renderer
        // accepts needs.
        "    const unsigned g = blockIdx.x * blockDim.x + threadIdx.x;\n".into()
    }
    fn call(&self, name: &str, args: &[String]) -> String {
        format!(
            "{name}({})",
            join_nonempty(&[self.buffers.input_args(), args.join(", ")])
        )
    }
    fn kernel(&mut self, written: Written) -> plan::Result<CudaKernel> {
        let threads = self.threads();
        let grid = match written.launch {
            Launch::PerThread(n) => grid_1d(n, threads)?,
            Launch::PerGroup(n) => grid_1d(n, 1)?,
        };
        Ok(CudaKernel {
            source: written.source,
            grid,
            block: [threads, 1, 1],
            inputs: written.inputs,
            output: written.output,
        })
    }
    fn gemm(&mut self, p: &GemmPlan) -> plan::Result<CudaKernel> {
        super::gemm::render(p, &self.limits)
    }
}

impl Cuda {
    /// The dialect before a template's `module_head` names its buffers (the prelude, dispatch).
    pub fn unbound(limits: &RenderLimits) -> Cuda {
        let buffers = Buffers {
            inputs: Vec::new(),
            output: DType::F32,
        };
        Cuda::new(buffers, limits)
    }

    /// The dialect for kernels over `buffers`.
    pub fn new(buffers: Buffers, limits: &RenderLimits) -> Cuda {
        Cuda {
            buffers,
            limits: *limits,
        }
    }
}

/// The CUDA element type of a buffer holding `dtype`.
pub(crate) fn storage_ty(dtype: DType) -> &'static str {
    clike::storage::<Cuda>(dtype)
}

/// An exact literal. Floats go through their bit pattern (decimal round trips depend on the
/// parser rounding once; infinities and NaNs have no literal at all).
pub(crate) fn literal(s: Scalar) -> String {
    match s {
        Scalar::F32(v) => format!("__uint_as_float({:#010x}u)", v.to_bits()),
        Scalar::I32(i32::MIN) => "(-2147483647 - 1)".into(),
        Scalar::I32(v) => format!("({v})"),
        Scalar::Bool(b) => b.to_string(),
    }
}

/// The buffers a kernel binds: inputs `in0..` (read-only; `None` for a slot it never reads) and
/// `out`. Device functions that load take the inputs as parameters, so every helper renders its
/// parameter list and argument list from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Buffers {
    pub inputs: Vec<Option<DType>>,
    pub output: DType,
}

impl Buffers {
    /// `const float* __restrict__ in0, ...` (no trailing comma; empty without inputs).
    pub fn input_params(&self) -> String {
        self.inputs
            .iter()
            .enumerate()
            .map(|(i, d)| match d {
                Some(d) => format!("const {}* __restrict__ in{i}", storage_ty(*d)),
                None => format!("const void* __restrict__ in{i}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `in0, in1, ...`.
    pub fn input_args(&self) -> String {
        (0..self.inputs.len())
            .map(|i| format!("in{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The inputs' parameters followed by `out`.
    pub fn all_params(&self) -> String {
        join_nonempty(&[
            self.input_params(),
            format!("{}* __restrict__ out", storage_ty(self.output)),
        ])
    }

    /// The inputs' arguments followed by `out`.
    pub fn all_args(&self) -> String {
        join_nonempty(&[self.input_args(), "out".into()])
    }

    /// `extern "C" __global__ void ff_kernel(...)` with `__launch_bounds__` for `threads` per block.
    pub fn entry(&self, threads: u32) -> String {
        format!(
            "extern \"C\" __global__ void __launch_bounds__({threads}) {KERNEL_ENTRY}({}) {{\n",
            self.all_params()
        )
    }
}

/// Comma-joins the non-empty parts of a parameter or argument list.
pub(crate) fn join_nonempty(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Helpers every kernel may call (unused device functions cost nothing after compilation), with
/// the `// horner:` lines written out.
pub(crate) fn prelude() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| clike::expand_polynomials(&Cuda::unbound(&RenderLimits::default()), PRELUDE))
}

const PRELUDE: &str = r#"
#define FF_DEV static __device__ __forceinline__

FF_DEV bool ff_is_nan(float x) { return (__float_as_uint(x) & 0x7fffffffu) > 0x7f800000u; }
FF_DEV float ff_inf() { return __uint_as_float(0x7f800000u); }
FF_DEV float ff_nan() { return __uint_as_float(0x7fc00000u); }

// The CPU backend's exp (Cephes' expf after reduction by ln 2), operation for operation: k is
// rounded by adding and subtracting 1.5 * 2^23 (kept: NVRTC does not reassociate without fast
// math) and read from t's low mantissa bits; 2^k is applied in two steps so subnormal results
// survive. The CPU's clamp keeps NaN; fminf/fmaxf would not, hence the early return.
FF_DEV float ff_exp(float x0) {
    if (ff_is_nan(x0)) { return x0; }
    const float x = fmaxf(fminf(x0, 89.0f), -104.0f);
    const float t = x * 1.44269504f + 12582912.0f;
    const float kf = t - 12582912.0f;
    const float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
    // horner: p = EXP(r)
    const float e = p * (r * r) + r + 1.0f;
    const int k = (int)(__float_as_uint(t) - 0x4B400000u);
    const int k1 = k >> 1;
    const int k2 = k - k1;
    const float s1 = __uint_as_float((unsigned)(k1 + 127) << 23);
    const float s2 = __uint_as_float((unsigned)(k2 + 127) << 23);
    return e * s1 * s2;
}

// The CPU backend's ln (Cephes' logf) with IEEE special cases: ln(0) = -inf, ln(x<0) = NaN,
// ln(inf) = inf, NaN stays NaN.
FF_DEV float ff_log(float x) {
    const bool sub = x < 1.17549435e-38f;
    const float xs = sub ? x * 8388608.0f : x;
    const int bits = __float_as_int(xs);
    int e = ((bits >> 23) & 0xff) - 126 - (sub ? 23 : 0);
    const float m = __int_as_float((bits & 0x007fffff) | 0x3f000000);
    const bool lo = m < 0.707106781f;
    e -= lo ? 1 : 0;
    const float z = lo ? m + m - 1.0f : m - 1.0f;
    const float ef = (float)e;
    // horner: y = LN(z)
    const float z2 = z * z;
    y = y * z * z2;
    y += -2.12194440e-4f * ef;
    y += -0.5f * z2;
    const float r = z + y + 0.693359375f * ef;
    if (x > 0.0f && x < ff_inf()) { return r; }
    if (x == 0.0f) { return -ff_inf(); }
    if (x == ff_inf()) { return x; }
    return ff_nan();
}

FF_DEV float ff_sigmoid(float x) { return 1.0f / (1.0f + ff_exp(-x)); }

// The CPU backend's tanh: Cephes' odd polynomial near zero, else 1 - 2 / (e^{2|x|} + 1).
FF_DEV float ff_tanh(float x) {
    const float a = fabsf(x);
    if (a < 0.625f) {
        const float z = x * x;
        // horner: p = TANH(z)
        return p * z * x + x;
    }
    return copysignf(1.0f - 2.0f / (ff_exp(2.0f * a) + 1.0f), x);
}

// The CPU computes erf in f64 and rounds; so does this (CUDA's erf is within 2 ulp in f64).
FF_DEV float ff_erf(float x) { return (float)erf((double)x); }

// NaN-propagating max/min exactly as the CPU backend: a NaN first operand wins, else the
// comparison picks (so a NaN second operand also wins).
FF_DEV float ff_max(float a, float b) { return ff_is_nan(a) ? a : (a > b ? a : b); }
FF_DEV float ff_min(float a, float b) { return ff_is_nan(a) ? a : (a < b ? a : b); }

// Reduction steps: NaN-sticky, the accumulator first (as the CPU backend's max_step/min_step).
FF_DEV float ff_max_step(float m, float x) { return (x > m || ff_is_nan(x)) ? x : m; }
FF_DEV float ff_min_step(float m, float x) { return (x < m || ff_is_nan(x)) ? x : m; }

FF_DEV float ff_mod(float a, float b) { return a - floorf(a / b) * b; }

// Saturating float-to-int with NaN -> 0 (a C cast of an out-of-range float is undefined).
FF_DEV int ff_f32_to_i32(float x) {
    if (ff_is_nan(x)) { return 0; }
    if (x >= 2147483648.0f) { return 2147483647; }
    if (x <= -2147483648.0f) { return -2147483647 - 1; }
    return (int)x;
}

// Wrapping i32 arithmetic (signed overflow is undefined in C, defined as wrapping in the IR).
FF_DEV int ff_add_i32(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
FF_DEV int ff_sub_i32(int a, int b) { return (int)((unsigned)a - (unsigned)b); }
FF_DEV int ff_mul_i32(int a, int b) { return (int)((unsigned)a * (unsigned)b); }
FF_DEV int ff_neg_i32(int a) { return (int)(0u - (unsigned)a); }

// Floor division and modulo with x/0 = 0 and x%0 = 0, wrapping on INT_MIN / -1.
FF_DEV int ff_div_i32(int a, int b) {
    if (b == 0) { return 0; }
    if (b == -1) { return ff_neg_i32(a); }
    const int q = a / b;
    const int r = a % b;
    return (r != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
FF_DEV int ff_mod_i32(int a, int b) {
    if (b == 0 || b == -1) { return 0; }
    const int r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
FF_DEV int ff_pow_i32(int base, int e) {
    if (e < 0) {
        if (base == 1) { return 1; }
        if (base == -1) { return (e & 1) == 0 ? 1 : -1; }
        return 0;
    }
    unsigned result = 1u;
    unsigned b = (unsigned)base;
    for (unsigned n = (unsigned)e; n != 0u; n >>= 1) {
        if (n & 1u) { result *= b; }
        b *= b;
    }
    return (int)result;
}

// Counter-based random bits keyed by a u64 seed (core's rand_bits, u32 arithmetic only).
FF_DEV unsigned ff_mix(unsigned x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}
FF_DEV unsigned ff_rand_bits(unsigned k0, unsigned k1, unsigned index) {
    return ff_mix(ff_mix(ff_mix(index ^ k0) ^ k1) + 0x9e3779b9u);
}
FF_DEV float ff_uniform(unsigned bits) { return (float)(bits >> 8) * (1.0f / 16777216.0f); }
"#;
