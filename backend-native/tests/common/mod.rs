//! Test helpers: kernel builders and straightforward scalar references written independently of
//! the backend's code.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow_core::ir::primitive::{rand_bits, uniform_from_bits};
use ferroflow_core::ir::{BinaryOp, Expr, ExprNode, ExprOp, Kernel, KernelBody, ReduceOp, Source, UnaryOp, View};
use ferroflow_core::{Buffer, DType, Device, HostData, Scalar};

pub fn dev() -> Device {
    ferroflow_native::cpu()
}

pub fn run(d: &Device, k: &Kernel, inputs: &[HostData]) -> HostData {
    try_run(d, k, inputs).unwrap()
}

pub fn try_run(d: &Device, k: &Kernel, inputs: &[HostData]) -> ferroflow_core::Result<HostData> {
    let bufs: Vec<Buffer> = inputs.iter().map(|h| d.upload(h).unwrap()).collect();
    let refs: Vec<&Buffer> = bufs.iter().collect();
    let out = d.execute(k, &refs)?;
    d.download(&out)
}

pub fn node(op: ExprOp, dtype: DType) -> ExprNode {
    ExprNode { op, dtype }
}

pub fn load(slot: usize, view: View, dtype: DType) -> ExprNode {
    node(
        ExprOp::Load {
            src: Source::Input(slot),
            view,
        },
        dtype,
    )
}

pub fn elementwise(shape: &[usize], nodes: Vec<ExprNode>, num_inputs: usize) -> Kernel {
    let expr = Expr {
        shape: shape.to_vec(),
        nodes,
    };
    Kernel {
        num_inputs,
        out_shape: shape.to_vec(),
        out_dtype: expr.dtype(),
        body: KernelBody::Elementwise(expr),
    }
}

pub fn reduce_kernel(op: ReduceOp, axes: &[usize], shape: &[usize], nodes: Vec<ExprNode>, num_inputs: usize) -> Kernel {
    let expr = Expr {
        shape: shape.to_vec(),
        nodes,
    };
    let mut out = shape.to_vec();
    for &a in axes {
        out[a] = 1;
    }
    Kernel {
        num_inputs,
        out_shape: out,
        out_dtype: expr.dtype(),
        body: KernelBody::Reduce {
            op,
            axes: axes.to_vec(),
            expr,
        },
    }
}

/// Deterministic pseudo-random numbers.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    pub fn f32(&mut self) -> f32 {
        (self.next_u32() as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
    }
    pub fn vec_f32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.f32()).collect()
    }
    pub fn vec_i32(&mut self, n: usize, lo: i32, hi: i32) -> Vec<i32> {
        (0..n)
            .map(|_| lo + (self.next_u32() % (hi - lo) as u32) as i32)
            .collect()
    }
}

pub fn numel(s: &[usize]) -> usize {
    s.iter().product()
}

/// Row-major multi-indices of a shape.
pub fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let n = numel(shape);
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        out.push(idx.clone());
        for d in (0..idx.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

pub fn ref_unary(op: UnaryOp, x: Scalar) -> Scalar {
    match (op, x) {
        (UnaryOp::Neg, Scalar::F32(v)) => Scalar::F32(-v),
        (UnaryOp::Neg, Scalar::I32(v)) => Scalar::I32(v.wrapping_neg()),
        (UnaryOp::Not, Scalar::Bool(v)) => Scalar::Bool(!v),
        (op, Scalar::F32(v)) => Scalar::F32(match op {
            UnaryOp::Exp => (v as f64).exp() as f32,
            UnaryOp::Log => (v as f64).ln() as f32,
            UnaryOp::Sqrt => v.sqrt(),
            UnaryOp::Recip => 1.0 / v,
            UnaryOp::Sin => v.sin(),
            UnaryOp::Cos => v.cos(),
            UnaryOp::Tanh => (v as f64).tanh() as f32,
            UnaryOp::Sigmoid => (1.0 / (1.0 + (-(v as f64)).exp())) as f32,
            UnaryOp::Erf => ref_erf(v as f64) as f32,
            UnaryOp::Floor => v.floor(),
            UnaryOp::Ceil => v.ceil(),
            UnaryOp::Round => {
                // Half to even, spelled out.
                let f = v.floor();
                let d = v - f;
                if d > 0.5 || (d == 0.5 && (f as f64 / 2.0).fract() != 0.0) {
                    f + 1.0
                } else if v.is_nan() {
                    v
                } else {
                    f.copysign(v)
                }
            }
            _ => panic!("bad unary {op:?}"),
        }),
        _ => panic!("bad unary {op:?} {x:?}"),
    }
}

/// erf by its Maclaurin series in f64 (accurate to ~1e-9 for |x| <= 4.5).
pub fn ref_erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.abs() > 4.5 {
        return x.signum();
    }
    let mut sum = 0.0;
    let mut term = x; // x^(2n+1) (-1)^n / n!
    let mut n = 0.0;
    loop {
        let t = term / (2.0 * n + 1.0);
        sum += t;
        if t.abs() < 1e-17 {
            break;
        }
        n += 1.0;
        term *= -x * x / n;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

fn ref_floor_div(a: i32, b: i32) -> i32 {
    if b == 0 {
        return 0;
    }
    // Exact in f64 for i32 operands; `as i32` of 2^31 (i32::MIN / -1) wraps like the IR says.
    (((a as f64) / (b as f64)).floor() as i64) as i32
}

fn ref_floor_mod(a: i32, b: i32) -> i32 {
    if b == 0 {
        return 0;
    }
    let q = ((a as f64) / (b as f64)).floor() as i64;
    ((a as i64) - q * (b as i64)) as i32
}

pub fn ref_binary(op: BinaryOp, a: Scalar, b: Scalar) -> Scalar {
    use BinaryOp::*;
    match (a, b) {
        (Scalar::F32(x), Scalar::F32(y)) => match op {
            Add => Scalar::F32(x + y),
            Sub => Scalar::F32(x - y),
            Mul => Scalar::F32(x * y),
            Div => Scalar::F32(x / y),
            Pow => Scalar::F32(x.powf(y)),
            Max => Scalar::F32(if x.is_nan() || y.is_nan() { f32::NAN } else { x.max(y) }),
            Min => Scalar::F32(if x.is_nan() || y.is_nan() { f32::NAN } else { x.min(y) }),
            Mod => Scalar::F32(x - (x / y).floor() * y),
            Lt => Scalar::Bool(x < y),
            Le => Scalar::Bool(x <= y),
            Eq => Scalar::Bool(x == y),
            And | Or => panic!("bad op"),
        },
        (Scalar::I32(x), Scalar::I32(y)) => match op {
            Add => Scalar::I32(x.wrapping_add(y)),
            Sub => Scalar::I32(x.wrapping_sub(y)),
            Mul => Scalar::I32(x.wrapping_mul(y)),
            Div => Scalar::I32(ref_floor_div(x, y)),
            Pow => Scalar::I32(if y >= 0 {
                let mut r = 1i32;
                for _ in 0..y.min(70) {
                    r = r.wrapping_mul(x);
                }
                if y > 70 {
                    x.wrapping_pow(y as u32)
                } else {
                    r
                }
            } else if x == 1 || x == -1 {
                if y % 2 == 0 {
                    1
                } else {
                    x
                }
            } else {
                0
            }),
            Max => Scalar::I32(x.max(y)),
            Min => Scalar::I32(x.min(y)),
            Mod => Scalar::I32(ref_floor_mod(x, y)),
            Lt => Scalar::Bool(x < y),
            Le => Scalar::Bool(x <= y),
            Eq => Scalar::Bool(x == y),
            And | Or => panic!("bad op"),
        },
        (Scalar::Bool(x), Scalar::Bool(y)) => match op {
            And => Scalar::Bool(x && y),
            Or => Scalar::Bool(x || y),
            Eq => Scalar::Bool(x == y),
            _ => panic!("bad op"),
        },
        _ => panic!("mismatched operands"),
    }
}

fn get(h: &HostData, i: isize) -> Scalar {
    h.get(usize::try_from(i).expect("negative offset"))
        .expect("offset out of range")
}

/// A u64 seed as the int32 `[low 32 bits, high 32 bits]` buffer `Source::Rand` reads.
pub fn seed_words(seed: u64) -> HostData {
    HostData::I32(vec![seed as u32 as i32, (seed >> 32) as u32 as i32])
}

/// The u64 seed held by a `seed_words` buffer.
pub fn seed_of(h: &HostData) -> u64 {
    match h {
        HostData::I32(w) if w.len() == 2 => u64::from(w[0] as u32) | (u64::from(w[1] as u32) << 32),
        _ => panic!("a rand seed input must be int32 [lo, hi], got {h:?}"),
    }
}

/// Evaluates an expression element by element through `View::index`.
pub fn ref_eval(expr: &Expr, inputs: &[HostData]) -> Vec<Scalar> {
    let mut out = Vec::new();
    for idx in indices(&expr.shape) {
        let mut vals: Vec<Scalar> = Vec::with_capacity(expr.nodes.len());
        for n in &expr.nodes {
            let v = match &n.op {
                ExprOp::Load { src, view } => match view.index(&idx) {
                    None => Scalar::zero(n.dtype),
                    Some(off) => match src {
                        Source::Input(i) => get(&inputs[*i], off),
                        Source::Const(s) => s.cast(n.dtype),
                        Source::Arange => Scalar::I32(off as i32),
                        Source::Rand { seed_input } => {
                            Scalar::F32(uniform_from_bits(rand_bits(seed_of(&inputs[*seed_input]), off as u32)))
                        }
                        Source::Accumulator => panic!("these tests build no epilogue kernels"),
                    },
                },
                ExprOp::Const(s) => s.cast(n.dtype),
                ExprOp::Unary(op, a) => ref_unary(*op, vals[*a]),
                ExprOp::Binary(op, a, b) => ref_binary(*op, vals[*a], vals[*b]),
                ExprOp::Where(c, a, b) => {
                    if matches!(vals[*c], Scalar::Bool(true)) {
                        vals[*a]
                    } else {
                        vals[*b]
                    }
                }
                ExprOp::Cast(a) => vals[*a].cast(n.dtype),
            };
            vals.push(v);
        }
        out.push(*vals.last().unwrap());
    }
    out
}

/// Reference reduction: f32 sums/products in f64.
pub fn ref_reduce(op: ReduceOp, axes: &[usize], expr: &Expr, inputs: &[HostData]) -> Vec<Scalar> {
    let vals = ref_eval(expr, inputs);
    let mut out_shape = expr.shape.clone();
    for &a in axes {
        out_shape[a] = 1;
    }
    let dtype = expr.dtype();
    let mut groups: Vec<Vec<Scalar>> = vec![Vec::new(); numel(&out_shape)];
    for (idx, v) in indices(&expr.shape).iter().zip(&vals) {
        let mut lin = 0;
        for d in 0..idx.len() {
            lin = lin * out_shape[d] + if axes.contains(&d) { 0 } else { idx[d] };
        }
        groups[lin].push(*v);
    }
    groups
        .into_iter()
        .map(|members| match dtype {
            DType::F32 => {
                let xs: Vec<f64> = members.iter().map(|s| s.as_f64()).collect();
                Scalar::F32(match op {
                    ReduceOp::Sum => xs.iter().sum::<f64>() as f32,
                    ReduceOp::Prod => xs.iter().product::<f64>() as f32,
                    ReduceOp::Max => {
                        if xs.iter().any(|x| x.is_nan()) {
                            f32::NAN
                        } else {
                            xs.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)) as f32
                        }
                    }
                    ReduceOp::Min => {
                        if xs.iter().any(|x| x.is_nan()) {
                            f32::NAN
                        } else {
                            xs.iter().fold(f64::INFINITY, |a, &b| a.min(b)) as f32
                        }
                    }
                })
            }
            DType::I32 => {
                let xs: Vec<i32> = members
                    .iter()
                    .map(|s| if let Scalar::I32(v) = s { *v } else { 0 })
                    .collect();
                Scalar::I32(match op {
                    ReduceOp::Sum => xs.iter().fold(0i32, |a, &b| a.wrapping_add(b)),
                    ReduceOp::Prod => xs.iter().fold(1i32, |a, &b| a.wrapping_mul(b)),
                    ReduceOp::Max => xs.iter().copied().max().unwrap_or(i32::MIN),
                    ReduceOp::Min => xs.iter().copied().min().unwrap_or(i32::MAX),
                })
            }
            DType::Bool => {
                let xs: Vec<bool> = members.iter().map(|s| matches!(s, Scalar::Bool(true))).collect();
                Scalar::Bool(match op {
                    ReduceOp::Max => xs.iter().any(|&x| x),
                    ReduceOp::Min => xs.iter().all(|&x| x),
                    _ => panic!("bool sum"),
                })
            }
        })
        .collect()
}

pub fn to_scalars(h: &HostData) -> Vec<Scalar> {
    (0..h.len()).map(|i| h.get(i).unwrap()).collect()
}

/// Distance in units in the last place (0 for equal values and for two NaNs).
pub fn ulps(a: f32, b: f32) -> u64 {
    if a.is_nan() && b.is_nan() || a == b {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u64::MAX;
    }
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        (if i < 0 { i32::MIN - i } else { i }) as i64
    };
    (key(a) - key(b)).unsigned_abs()
}

/// Bitwise equality, except that all NaNs are equal and f32 values may differ by `rel`.
pub fn assert_close(got: &HostData, want: &[Scalar], rel: f32, what: &str) {
    let got = to_scalars(got);
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = match (g, w) {
            (Scalar::F32(a), Scalar::F32(b)) => {
                (a.is_nan() && b.is_nan())
                    || a.to_bits() == b.to_bits()
                    || (a - b).abs() <= rel * b.abs().max(1.0)
                    || (a == b)
            }
            _ => g == w,
        };
        assert!(ok, "{what}: element {i}: got {g:?}, want {w:?}");
    }
}
