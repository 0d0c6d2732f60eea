//! WGSL vocabulary shared by every template: storage types, exact literals, binding
//! declarations, the compute grid, and the math prelude.
//!
//! Storage layout: f32 and i32 as themselves; bool as one u32 (0/1) per element, because WGSL has
//! no bool in storage. The math prelude ports the CPU backend's approximations (same polynomials,
//! same special cases) so both backends agree to an ulp or two instead of to a vendor's builtin.

use std::fmt::Write;

use ferroflow_core::ir::clike::{self, Dialect, KernelDialect, Launch, Written};
use ferroflow_core::ir::plan::{self, GemmPlan, ViewIndex};
use ferroflow_core::ir::UnaryOp;
use ferroflow_core::{DType, Scalar};

use super::sizes::Sizes;
use super::{grid_1d, grid_for, RenderLimits, Shader};

/// WGSL's spellings for core's C-like writer; loads read their sizes through `sizes` (baked
/// literals or the run-time uniform, see `sizes.rs`).
pub(crate) struct Wgsl<'a> {
    pub sizes: &'a mut Sizes,
    pub limits: &'a RenderLimits,
}

impl Dialect for Wgsl<'_> {
    // bool is a u32 in storage: WGSL has no bool there.
    const REG: [&'static str; 3] = ["f32", "i32", "bool"];
    const STORAGE: [&'static str; 3] = ["f32", "i32", "u32"];
    const ZERO: [&'static str; 3] = ["0.0", "0i", "false"];
    const ONE: [&'static str; 3] = ["1.0", "1i", "true"];
    const BOOL_STORED: [&'static str; 2] = ["0u", "1u"];
    const FABS: &'static str = "abs";
    const U32: &'static str = "u32";

    fn literal(&self, s: Scalar) -> String {
        literal(s)
    }
    fn constant(&self, name: &str, ty: &str, value: &str) -> String {
        format!("let {name}: {ty} = {value};")
    }
    fn variable(&self, name: &str, ty: &str, value: &str) -> String {
        format!("var {name}: {ty} = {value};")
    }
    fn select(&self, cond: &str, then: &str, otherwise: &str) -> String {
        format!("select({otherwise}, {then}, {cond})")
    }
    fn convert(&self, ty: &str, a: &str) -> String {
        format!("{ty}({a})")
    }
    fn unary(&self, op: UnaryOp, _: DType, a: &str) -> Option<String> {
        // Vulkan drivers may approximate sqrt, sin, cos and division: the prelude's versions are
        // the CPU's.
        match op {
            UnaryOp::Sqrt | UnaryOp::Sin | UnaryOp::Cos => Some(format!("ff_{}({a})", op.name())),
            UnaryOp::Recip => Some(format!("ff_div(1.0, {a})")),
            _ => None,
        }
    }
    fn view_offset(&mut self, index: &ViewIndex) -> plan::Result<(String, Option<String>)> {
        super::expr::view_offset(index, self.sizes)
    }
    fn element(&self, slot: usize, offset: &str) -> String {
        format!("in{slot}[u32({offset})]")
    }
    fn bits(&self, slot: usize, index: usize) -> String {
        format!("bitcast<u32>(in{slot}[{index}])")
    }
    fn size(&mut self, n: u32) -> String {
        self.sizes.u(n)
    }
    fn function(&self, name: &str, params: &[(String, String)], ret: &str) -> String {
        let params: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        format!("fn {name}({}) -> {ret} {{\n", params.join(", "))
    }
}

impl KernelDialect for Wgsl<'_> {
    type Kernel = Shader;

    fn threads(&self) -> u32 {
        self.limits.workgroup_size
    }
    fn module_head(&mut self, inputs: &[Option<DType>], output: DType) -> String {
        bindings(inputs, output)
    }
    fn entry(&self, shared: Option<(&str, u32)>) -> String {
        let shared = shared.map_or(String::new(), |(ty, n)| {
            format!("var<workgroup> partial: array<{ty}, {n}>;\n")
        });
        shared + &entry_1d(self.threads())
    }
    // The entry point's builtins (see `entry_1d`); `grid_1d` spreads groups over x and y.
    const LOCAL_THREAD: &'static str = "lid.x";
    const GROUP: &'static str = "wid.x + wid.y * nwg.x";
    const BARRIER: &'static str = "workgroupBarrier()";
    fn flat_thread(&self) -> String {
        flat_invocation(self.threads())
    }
    fn call(&self, name: &str, args: &[String]) -> String {
        format!("{name}({})", args.join(", "))
    }
    fn kernel(&mut self, written: Written) -> plan::Result<Shader> {
        let grid = match written.launch {
            Launch::PerThread(n) => grid_for(n, self.limits)?,
            Launch::PerGroup(n) => grid_1d(n, self.limits)?,
        };
        Ok(Shader {
            source: written.source,
            grid,
            inputs: written.inputs,
            output: written.output,
            sizes: std::mem::replace(self.sizes, Sizes::baked()).into_values(),
            finish: None,
        })
    }
    fn gemm(&mut self, p: &GemmPlan) -> plan::Result<Shader> {
        super::gemm::render(p, self.limits)
    }
}

/// An exact literal. Floats go through their bit pattern: decimal round trips are exact only
/// when the parser rounds once, and WGSL rejects non-finite constant expressions, so infinities
/// and NaNs come from a (non-constant) prelude function instead.
pub(crate) fn literal(s: Scalar) -> String {
    match s {
        Scalar::F32(v) if v.is_finite() => format!("bitcast<f32>({:#010x}u)", v.to_bits()),
        Scalar::F32(v) => format!("ff_bits({:#010x}u)", v.to_bits()),
        Scalar::I32(v) if v == i32::MIN => "i32(-2147483648)".into(),
        Scalar::I32(v) => format!("i32({v})"),
        Scalar::Bool(b) => b.to_string(),
    }
}

/// Declares `in0..in{n-1}` (read-only) and `out` (binding `n`) with the given element dtypes
/// (an unread input is declared as u32).
pub(crate) fn bindings(inputs: &[Option<DType>], output: DType) -> String {
    let mut s = String::new();
    for (i, d) in inputs.iter().enumerate() {
        let d = d.unwrap_or(DType::Bool);
        let _ = writeln!(
            s,
            "@group(0) @binding({i}) var<storage, read> in{i}: array<{}>;",
            clike::storage::<Wgsl>(d)
        );
    }
    let _ = writeln!(
        s,
        "@group(0) @binding({}) var<storage, read_write> out: array<{}>;",
        inputs.len(),
        clike::storage::<Wgsl>(output)
    );
    s
}

/// The flat index of an invocation in a 1-D problem laid out over a 2-D grid of workgroups
/// (`grid` in [`super::Grid`] spreads more than 65,535 workgroups over y).
pub(crate) fn flat_invocation(wg_size: u32) -> String {
    format!("    let g = gid.x + gid.y * (nwg.x * {wg_size}u);\n")
}

/// Entry-point signature for a 1-D kernel with `wg_size` invocations per workgroup.
pub(crate) fn entry_1d(wg_size: u32) -> String {
    format!(
        "@compute @workgroup_size({wg_size})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, \
         @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, \
         @builtin(workgroup_id) wid: vec3<u32>) {{\n"
    )
}

/// Helpers every shader may call. [`with_prelude`] links in the ones a shader uses, after
/// `clike::expand_polynomials` has written the `// horner:` lines out.
const PRELUDE: &str = r#"
fn ff_bits(b: u32) -> f32 { return bitcast<f32>(b); }
fn ff_is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn ff_inf() -> f32 { return ff_bits(0x7f800000u); }
fn ff_nan() -> f32 { return ff_bits(0x7fc00000u); }

// Cephes expf after reduction by ln 2 (the CPU backend's polynomial). k comes from round(), not
// the CPU's add-and-subtract-2^23 trick: shader compilers may reassociate that away. 2^k is
// applied in two steps so subnormal results survive.
fn ff_exp(x0: f32) -> f32 {
    if (ff_is_nan(x0)) { return x0; }
    let x = clamp(x0, -104.0, 89.0);
    let kf = round(x * 1.442695);
    let r = (x - kf * 0.6933594) - kf * -2.1219444e-4;
    // horner: p = EXP(r)
    let e = p * (r * r) + r + 1.0;
    let k = i32(kf);
    let k1 = k >> 1u;
    let k2 = k - k1;
    let s1 = bitcast<f32>(u32(k1 + 127i) << 23u);
    let s2 = bitcast<f32>(u32(k2 + 127i) << 23u);
    return e * s1 * s2;
}

// Cephes logf with IEEE special cases: ln(0) = -inf, ln(x<0) = NaN, ln(inf) = inf.
fn ff_log(x: f32) -> f32 {
    if (ff_is_nan(x)) { return x; }
    if (x == 0.0) { return -ff_inf(); }
    if (x < 0.0) { return ff_nan(); }
    if (x == ff_inf()) { return x; }
    let sub = x < 1.17549435e-38;
    let xs = select(x, x * 8388608.0, sub);
    let bits = bitcast<i32>(xs);
    var e = ((bits >> 23u) & 0xff) - 126i - select(0i, 23i, sub);
    let m = bitcast<f32>((bits & 0x007fffff) | 0x3f000000);
    let lo = m < 0.70710677;
    e = e - select(0i, 1i, lo);
    let z = select(m - 1.0, m + m - 1.0, lo);
    let ef = f32(e);
    // horner: y = LN(z)
    let z2 = z * z;
    y = y * z * z2;
    y = y + -2.1219444e-4 * ef;
    y = y + -0.5 * z2;
    return z + y + 0.6933594 * ef;
}

// Cephes sinf/cosf: reduction by pi/4 in three exact-ish parts, then a polynomial on
// [-pi/4, pi/4]. WGSL's builtins only promise 2^-11 absolute error (SwiftShader's are that
// coarse); these stay within a few ulp for |x| up to ~8192.
fn ff_sincos(x: f32, want_cos: bool) -> f32 {
    if (ff_is_nan(x) || abs(x) == ff_inf()) { return ff_nan(); }
    let ax = abs(x);
    var j = u32(ax * 1.2732395);
    var y = f32(j);
    if ((j & 1u) == 1u) { j = j + 1u; y = y + 1.0; }
    j = j & 7u;
    var sign = 1.0;
    if (!want_cos && x < 0.0) { sign = -1.0; }
    if (j > 3u) { j = j - 4u; sign = -sign; }
    if (want_cos && j > 1u) { sign = -sign; }
    let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
    let zz = z * z;
    let cos_poly = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz
        - 0.5 * zz + 1.0;
    let sin_poly = ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
    let use_cos = (j == 1u || j == 2u) != want_cos;
    return sign * select(sin_poly, cos_poly, use_cos);
}
fn ff_sin(x: f32) -> f32 { return ff_sincos(x, false); }
fn ff_cos(x: f32) -> f32 { return ff_sincos(x, true); }

fn ff_sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + ff_exp(-x)); }

fn ff_tanh(x: f32) -> f32 {
    if (ff_is_nan(x)) { return x; }
    let a = abs(x);
    if (a < 0.625) {
        let z = x * x;
        // horner: p = TANH(z)
        return p * z * x + x;
    }
    let big = 1.0 - 2.0 / (ff_exp(2.0 * a) + 1.0);
    return select(big, -big, x < 0.0);
}

// Taylor series near zero (relative error < 1e-7), Abramowitz-Stegun 7.1.26 elsewhere
// (absolute error < 1.5e-7, the bound the core documents for backends without erf).
fn ff_erf(x: f32) -> f32 {
    if (ff_is_nan(x)) { return x; }
    let a = abs(x);
    if (a < 0.5) {
        let z = x * x;
        return x * (1.1283792 + z * (-0.37612638 + z * (0.11283792 + z * (-0.026866171
            + z * (0.0052239776 + z * (-0.00085483271 + z * 0.00012055332))))));
    }
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = ((((1.0614054 * t - 1.4531521) * t + 1.4214138) * t - 0.28449672) * t + 0.2548296) * t;
    let y = 1.0 - poly * ff_exp(-a * a);
    return select(y, -y, x < 0.0);
}

// IEEE division by zero spelled out: Vulkan drivers may assume no Inf/NaN unless asked (lavapipe
// folds x / 0.0 to garbage), and mean over an empty axis must be NaN as on the CPU.
fn ff_div(a: f32, b: f32) -> f32 {
    if (b == 0.0) {
        if (a == 0.0 || ff_is_nan(a)) { return ff_nan(); }
        return bitcast<f32>(0x7f800000u | ((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u));
    }
    return a / b;
}

fn ff_sqrt(x: f32) -> f32 { return select(sqrt(x), ff_nan(), x < 0.0); }

// NaN-propagating max/min exactly as the CPU backend: a NaN first operand wins, else the
// comparison picks (so a NaN second operand also wins).
fn ff_max(a: f32, b: f32) -> f32 { return select(select(b, a, a > b), a, ff_is_nan(a)); }
fn ff_min(a: f32, b: f32) -> f32 { return select(select(b, a, a < b), a, ff_is_nan(a)); }

// Reduction steps: NaN-sticky, the accumulator first (as the CPU backend's max_step/min_step).
fn ff_max_step(m: f32, x: f32) -> f32 { return select(m, x, x > m || ff_is_nan(x)); }
fn ff_min_step(m: f32, x: f32) -> f32 { return select(m, x, x < m || ff_is_nan(x)); }

fn ff_mod(a: f32, b: f32) -> f32 { return a - floor(a / b) * b; }

// IEEE pow (as C's powf) built on ff_exp/ff_log.
fn ff_pow(x: f32, y: f32) -> f32 {
    if (y == 0.0 || x == 1.0) { return 1.0; }
    if (ff_is_nan(x) || ff_is_nan(y)) { return ff_nan(); }
    let y_int = floor(y) == y;
    let y_odd = y_int && abs(y) < 16777216.0 && floor(y * 0.5) != y * 0.5;
    let ax = abs(x);
    if (x < 0.0 && !y_int && abs(y) != ff_inf()) { return ff_nan(); }
    if (ax == 1.0) { return 1.0; }  // (-1)^(+-inf)
    var r: f32;
    if (ax == 0.0) {
        r = select(0.0, ff_inf(), y < 0.0);
    } else if (ax == ff_inf()) {
        r = select(ff_inf(), 0.0, y < 0.0);
    } else {
        r = ff_exp(y * ff_log(ax));
    }
    let neg = (x < 0.0 || (x == 0.0 && bitcast<u32>(x) != 0u)) && y_odd;
    return select(r, -r, neg);
}

fn ff_f32_to_i32(x: f32) -> i32 {
    if (ff_is_nan(x)) { return 0i; }
    if (x >= 2147483648.0) { return 2147483647i; }
    if (x <= -2147483648.0) { return i32(-2147483648); }
    return i32(x);
}

// Floor division and modulo with x/0 = 0 and x%0 = 0, wrapping on i32::MIN / -1.
fn ff_div_i32(a: i32, b: i32) -> i32 {
    if (b == 0i) { return 0i; }
    if (b == -1i) { return 0i - a; }
    let q = a / b;
    let r = a % b;
    return select(q, q - 1i, r != 0i && ((a < 0i) != (b < 0i)));
}
fn ff_mod_i32(a: i32, b: i32) -> i32 {
    if (b == 0i || b == -1i) { return 0i; }
    let r = a % b;
    return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));
}
fn ff_pow_i32(base: i32, e: i32) -> i32 {
    if (e < 0i) {
        if (base == 1i) { return 1i; }
        if (base == -1i) { return select(-1i, 1i, (e & 1i) == 0i); }
        return 0i;
    }
    var result = 1i;
    var b = base;
    var n = u32(e);
    loop {
        if (n == 0u) { break; }
        if ((n & 1u) == 1u) { result = result * b; }
        b = b * b;
        n = n >> 1u;
    }
    return result;
}

// Counter-based random bits keyed by a u64 seed (core's rand_bits, u32 arithmetic only).
fn ff_mix(x0: u32) -> u32 {
    var x = x0;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
}
fn ff_rand_bits(k0: u32, k1: u32, index: u32) -> u32 {
    return ff_mix((ff_mix(ff_mix(index ^ k0) ^ k1)) + 0x9e3779b9u);
}
fn ff_uniform(bits: u32) -> f32 { return f32(bits >> 8u) * (1.0 / 16777216.0); }
"#;

/// `body` with the prelude functions it calls, directly or through each other, in front.
/// Unused functions are not free: SwiftShader spent ~6 ms of each pipeline compile on the whole
/// prelude (a trivial shader compiled in 5 ms alone, 11 ms with it).
pub(crate) fn with_prelude(body: &str) -> String {
    let items = prelude_items();
    let mut used = vec![false; items.len()];
    let mut todo: Vec<usize> = (0..items.len()).filter(|&i| calls(body, &items[i].name)).collect();
    while let Some(i) = todo.pop() {
        if !std::mem::replace(&mut used[i], true) {
            todo.extend(&items[i].callees);
        }
    }
    let mut s: String = items
        .iter()
        .zip(&used)
        .filter(|(_, &u)| u)
        .map(|(item, _)| item.text.as_str())
        .collect();
    s += body;
    s
}

/// Whether WGSL `text` calls (or defines) the function `name`.
fn calls(text: &str, name: &str) -> bool {
    text.contains(&format!("{name}("))
}

/// One prelude function: its text (with the comment above it) and the prelude functions it calls.
struct PreludeItem {
    name: String,
    text: String,
    callees: Vec<usize>,
}

/// The prelude split into functions, in order, with their call graph (built once).
fn prelude_items() -> &'static [PreludeItem] {
    static ITEMS: std::sync::OnceLock<Vec<PreludeItem>> = std::sync::OnceLock::new();
    ITEMS.get_or_init(|| {
        let mut items = Vec::new();
        let (mut text, mut name) = (String::new(), String::new());
        let wgsl = Wgsl {
            sizes: &mut Sizes::baked(),
            limits: &RenderLimits::default(),
        };
        for line in clike::expand_polynomials(&wgsl, PRELUDE).lines() {
            text += line;
            text.push('\n');
            if let Some(rest) = line.strip_prefix("fn ") {
                name = rest.split('(').next().unwrap_or_default().to_string();
            }
            // A function ends with a `}` in column 0, or on its own line when it is one line.
            let one_line = line.starts_with("fn ") && line.ends_with('}');
            if !name.is_empty() && (line == "}" || one_line) {
                items.push(PreludeItem {
                    name: std::mem::take(&mut name),
                    text: std::mem::take(&mut text),
                    callees: Vec::new(),
                });
            }
        }
        for i in 0..items.len() {
            let callees = (0..items.len())
                .filter(|&j| j != i && calls(&items[i].text, &items[j].name))
                .collect();
            items[i].callees = callees;
        }
        items
    })
}
