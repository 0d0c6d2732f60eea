//! Elementwise semantics (as documented in `ferroflow_core::ir::primitive`) and the tight loops
//! that apply them over register blocks.

use ferroflow_core::ir::approx::{self, horner};
use ferroflow_core::ir::{BinaryOp, UnaryOp};
use ferroflow_core::{DType, Result};

use crate::cpu::err;
use crate::cpu::eval::{InBlock, OutBlock};

/// True when the loops may be compiled for AVX2 (same results: no FMA contraction happens
/// without an explicit `mul_add`, so this only widens the vectors).
#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[inline(always)]
fn map1<A: Copy, O>(a: &[A], o: &mut [O], f: impl Fn(A) -> O) {
    for (o, &x) in o.iter_mut().zip(a) {
        *o = f(x);
    }
}

#[inline(always)]
fn map2<A: Copy, B: Copy, O>(a: &[A], b: &[B], o: &mut [O], f: impl Fn(A, B) -> O) {
    for ((o, &x), &y) in o.iter_mut().zip(a).zip(b) {
        *o = f(x, y);
    }
}

/// Floor division with `x / 0 = 0`, wrapping on `i32::MIN / -1`.
#[inline]
pub fn floor_div_i32(a: i32, b: i32) -> i32 {
    if b == 0 {
        return 0;
    }
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q.wrapping_sub(1)
    } else {
        q
    }
}

/// Floor modulo (sign of the divisor) with `x % 0 = 0`.
#[inline]
pub fn floor_mod_i32(a: i32, b: i32) -> i32 {
    if b == 0 {
        return 0;
    }
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        r.wrapping_add(b)
    } else {
        r
    }
}

/// Exact wrapping power; a negative exponent gives `1/base` truncated.
#[inline]
pub fn pow_i32(base: i32, e: i32) -> i32 {
    if e < 0 {
        return match base {
            1 => 1,
            -1 => {
                if e & 1 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    base.wrapping_pow(e as u32)
}

/// Float modulo `x - floor(x / y) * y`.
#[inline(always)]
pub fn mod_f32(a: f32, b: f32) -> f32 {
    a - (a / b).floor() * b
}

/// NaN-propagating maximum.
#[inline(always)]
pub fn max_f32(a: f32, b: f32) -> f32 {
    let m = if a > b { a } else { b };
    if a.is_nan() {
        a
    } else {
        m
    }
}

/// NaN-propagating minimum.
#[inline(always)]
pub fn min_f32(a: f32, b: f32) -> f32 {
    let m = if a < b { a } else { b };
    if a.is_nan() {
        a
    } else {
        m
    }
}

/// `e^x` in f32, branch-free so it vectorizes (Cephes' expf polynomial after reduction by
/// ln 2; within about 1 ulp, subnormal results included). NaN stays NaN.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-104.0, 89.0);
    let t = x * LOG2E + ROUND;
    let kf = t - ROUND;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let e = horner(&approx::EXP, r) * (r * r) + r + 1.0;
    // k sits in the low mantissa bits of t (a bit trick instead of a saturating float->int cast,
    // which would not vectorize). Scale by 2^k in two steps so that k in [-150, 128] never leaves
    // the normal exponent range. For NaN input k is garbage but e is NaN, so the result is NaN.
    let k = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let k1 = k >> 1;
    let k2 = k.wrapping_sub(k1);
    let s1 = f32::from_bits((k1.wrapping_add(127) as u32) << 23);
    let s2 = f32::from_bits((k2.wrapping_add(127) as u32) << 23);
    e * s1 * s2
}

/// Natural logarithm in f32, branch-free so it vectorizes (Cephes' logf: mantissa in
/// [sqrt(1/2), sqrt(2)) by bit manipulation, then a polynomial; within about 1 ulp). Follows IEEE
/// for the special cases: ln(0) = -inf, ln(x<0) = NaN, ln(inf) = inf, NaN stays NaN.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    // Subnormals are scaled into the normal range first.
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * 8_388_608.0 } else { x };
    let bits = xs.to_bits() as i32;
    let mut e = ((bits >> 23) & 0xff) - 126 - if sub { 23 } else { 0 };
    let m = f32::from_bits(((bits & 0x007f_ffff) | 0x3f00_0000) as u32);
    let lo = m < std::f32::consts::FRAC_1_SQRT_2;
    e -= lo as i32;
    let z = if lo { m + m - 1.0 } else { m - 1.0 };
    let ef = e as f32;
    let z2 = z * z;
    let mut y = horner(&approx::LN, z) * z * z2;
    y += -2.121_944_4e-4 * ef;
    y += -0.5 * z2;
    let r = z + y + 0.693_359_4 * ef;
    if x > 0.0 && x < f32::INFINITY {
        r
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        f32::NAN
    }
}

/// `1 / (1 + e^-x)`: 0 and 1 at the extremes, never NaN for non-NaN input.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// Hyperbolic tangent, branch-free: an odd polynomial near zero (Cephes' tanhf), else
/// `1 - 2 / (e^{2|x|} + 1)` with the sign restored.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small = horner(&approx::TANH, z) * z * x + x;
    let big = (1.0 - 2.0 / (exp(2.0 * a) + 1.0)).copysign(x);
    if a < 0.625 {
        small
    } else {
        big
    }
}

/// Error function, computed in f64 (|error| well below 1.5e-7 after rounding to f32).
#[inline]
pub fn erf(x: f32) -> f32 {
    libm::erf(x as f64) as f32
}

fn bad_unary(op: UnaryOp) -> ferroflow_core::Error {
    err(format!("unary {} on these register types is not supported", op.name()))
}

fn bad_binary(op: BinaryOp) -> ferroflow_core::Error {
    err(format!("binary {} on these register types is not supported", op.name()))
}

/// Checks that a unary op accepts `d` (the IR's rules).
pub(crate) fn unary_accepts(op: UnaryOp, d: DType) -> bool {
    match op {
        UnaryOp::Not => d == DType::Bool,
        UnaryOp::Neg => d != DType::Bool,
        _ => d == DType::F32,
    }
}

/// Result dtype of a binary op on operands of dtype `d`, or None when not accepted.
pub(crate) fn binary_result(op: BinaryOp, d: DType) -> Option<DType> {
    use BinaryOp::*;
    match (op, d) {
        (And | Or, DType::Bool) => Some(DType::Bool),
        (And | Or, _) => None,
        (Eq, _) => Some(DType::Bool),
        (Lt | Le, DType::Bool) => None,
        (Lt | Le, _) => Some(DType::Bool),
        (_, DType::Bool) => None,
        (_, d) => Some(d),
    }
}

/// `o[..n] = op(a[..n])`.
pub(crate) fn unary(op: UnaryOp, a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        return unsafe { unary_avx2(op, a, o, n) };
    }
    unary_impl(op, a, o, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn unary_avx2(op: UnaryOp, a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    unary_impl(op, a, o, n)
}

#[inline(always)]
fn unary_impl(op: UnaryOp, a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    use UnaryOp::*;
    match (a, o) {
        (InBlock::F32(a), OutBlock::F32(o)) => {
            let (a, o) = (head(a, n), head_mut(o, n));
            match op {
                Neg => map1(a, o, |x| -x),
                Exp => map1(a, o, exp),
                Log => map1(a, o, ln),
                Sqrt => map1(a, o, f32::sqrt),
                Recip => map1(a, o, |x| 1.0 / x),
                Sin => map1(a, o, f32::sin),
                Cos => map1(a, o, f32::cos),
                Tanh => map1(a, o, tanh),
                Sigmoid => map1(a, o, sigmoid),
                Erf => map1(a, o, erf),
                Floor => map1(a, o, f32::floor),
                Ceil => map1(a, o, f32::ceil),
                Round => map1(a, o, f32::round_ties_even),
                Not => return Err(bad_unary(op)),
            }
        }
        (InBlock::I32(a), OutBlock::I32(o)) => {
            let (a, o) = (head(a, n), head_mut(o, n));
            match op {
                Neg => map1(a, o, i32::wrapping_neg),
                _ => return Err(bad_unary(op)),
            }
        }
        (InBlock::Bool(a), OutBlock::Bool(o)) => {
            let (a, o) = (head(a, n), head_mut(o, n));
            match op {
                Not => map1(a, o, |x| !x),
                _ => return Err(bad_unary(op)),
            }
        }
        _ => return Err(bad_unary(op)),
    }
    Ok(())
}

/// `o[..n] = op(a[..n], b[..n])`.
pub(crate) fn binary(op: BinaryOp, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        return unsafe { binary_avx2(op, a, b, o, n) };
    }
    binary_impl(op, a, b, o, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn binary_avx2(op: BinaryOp, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    binary_impl(op, a, b, o, n)
}

#[inline(always)]
fn binary_impl(op: BinaryOp, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    use BinaryOp::*;
    match (a, b, o) {
        (InBlock::F32(a), InBlock::F32(b), OutBlock::F32(o)) => {
            let (a, b, o) = (head(a, n), head(b, n), head_mut(o, n));
            match op {
                Add => map2(a, b, o, |x, y| x + y),
                Sub => map2(a, b, o, |x, y| x - y),
                Mul => map2(a, b, o, |x, y| x * y),
                Div => map2(a, b, o, |x, y| x / y),
                Pow => map2(a, b, o, f32::powf),
                Max => map2(a, b, o, max_f32),
                Min => map2(a, b, o, min_f32),
                Mod => map2(a, b, o, mod_f32),
                _ => return Err(bad_binary(op)),
            }
        }
        (InBlock::F32(a), InBlock::F32(b), OutBlock::Bool(o)) => {
            let (a, b, o) = (head(a, n), head(b, n), head_mut(o, n));
            match op {
                Lt => map2(a, b, o, |x, y| x < y),
                Le => map2(a, b, o, |x, y| x <= y),
                Eq => map2(a, b, o, |x, y| x == y),
                _ => return Err(bad_binary(op)),
            }
        }
        (InBlock::I32(a), InBlock::I32(b), OutBlock::I32(o)) => {
            let (a, b, o) = (head(a, n), head(b, n), head_mut(o, n));
            match op {
                Add => map2(a, b, o, i32::wrapping_add),
                Sub => map2(a, b, o, i32::wrapping_sub),
                Mul => map2(a, b, o, i32::wrapping_mul),
                Div => map2(a, b, o, floor_div_i32),
                Pow => map2(a, b, o, pow_i32),
                Max => map2(a, b, o, i32::max),
                Min => map2(a, b, o, i32::min),
                Mod => map2(a, b, o, floor_mod_i32),
                _ => return Err(bad_binary(op)),
            }
        }
        (InBlock::I32(a), InBlock::I32(b), OutBlock::Bool(o)) => {
            let (a, b, o) = (head(a, n), head(b, n), head_mut(o, n));
            match op {
                Lt => map2(a, b, o, |x, y| x < y),
                Le => map2(a, b, o, |x, y| x <= y),
                Eq => map2(a, b, o, |x, y| x == y),
                _ => return Err(bad_binary(op)),
            }
        }
        (InBlock::Bool(a), InBlock::Bool(b), OutBlock::Bool(o)) => {
            let (a, b, o) = (head(a, n), head(b, n), head_mut(o, n));
            match op {
                And => map2(a, b, o, |x, y| x & y),
                Or => map2(a, b, o, |x, y| x | y),
                Eq => map2(a, b, o, |x, y| x == y),
                _ => return Err(bad_binary(op)),
            }
        }
        _ => return Err(bad_binary(op)),
    }
    Ok(())
}

/// `o[..n] = c ? a : b`.
pub(crate) fn select(c: InBlock<'_>, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        return unsafe { select_avx2(c, a, b, o, n) };
    }
    select_impl(c, a, b, o, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn select_avx2(c: InBlock<'_>, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    select_impl(c, a, b, o, n)
}

#[inline(always)]
fn select_impl(c: InBlock<'_>, a: InBlock<'_>, b: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    #[inline(always)]
    fn sel<T: Blend>(c: &[bool], a: &[T], b: &[T], o: &mut [T]) {
        for (((o, &c), &x), &y) in o.iter_mut().zip(c).zip(a).zip(b) {
            *o = T::blend(c, x, y);
        }
    }
    let InBlock::Bool(c) = c else {
        return Err(err("where: condition register is not bool"));
    };
    let c = head(c, n);
    match (a, b, o) {
        (InBlock::F32(a), InBlock::F32(b), OutBlock::F32(o)) => sel(c, head(a, n), head(b, n), head_mut(o, n)),
        (InBlock::I32(a), InBlock::I32(b), OutBlock::I32(o)) => sel(c, head(a, n), head(b, n), head_mut(o, n)),
        (InBlock::Bool(a), InBlock::Bool(b), OutBlock::Bool(o)) => sel(c, head(a, n), head(b, n), head_mut(o, n)),
        _ => return Err(err("where: branch register types differ")),
    }
    Ok(())
}

/// `o[..n] = cast(a[..n])` with the rules of `Scalar::cast`.
pub(crate) fn cast(a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU supports AVX2 and FMA (checked at run time just above).
        return unsafe { cast_avx2(a, o, n) };
    }
    cast_impl(a, o, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cast_avx2(a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    cast_impl(a, o, n)
}

#[inline(always)]
fn cast_impl(a: InBlock<'_>, o: OutBlock<'_>, n: usize) -> Result<()> {
    match (a, o) {
        (InBlock::F32(a), OutBlock::F32(o)) => map1(head(a, n), head_mut(o, n), |x| x),
        (InBlock::I32(a), OutBlock::I32(o)) => map1(head(a, n), head_mut(o, n), |x| x),
        (InBlock::Bool(a), OutBlock::Bool(o)) => map1(head(a, n), head_mut(o, n), |x| x),
        (InBlock::F32(a), OutBlock::I32(o)) => map1(head(a, n), head_mut(o, n), |x| x as i32),
        (InBlock::F32(a), OutBlock::Bool(o)) => map1(head(a, n), head_mut(o, n), |x| x != 0.0),
        (InBlock::I32(a), OutBlock::F32(o)) => map1(head(a, n), head_mut(o, n), |x| x as f32),
        (InBlock::I32(a), OutBlock::Bool(o)) => map1(head(a, n), head_mut(o, n), |x| x != 0),
        (InBlock::Bool(a), OutBlock::F32(o)) => map1(head(a, n), head_mut(o, n), |x| x as u8 as f32),
        (InBlock::Bool(a), OutBlock::I32(o)) => map1(head(a, n), head_mut(o, n), |x| x as i32),
    }
    Ok(())
}

/// Branch-free selection (data-dependent branches would mispredict on random conditions and
/// block vectorization).
trait Blend: Copy {
    fn blend(c: bool, a: Self, b: Self) -> Self;
}

impl Blend for f32 {
    #[inline(always)]
    fn blend(c: bool, a: f32, b: f32) -> f32 {
        let m = 0u32.wrapping_sub(c as u32);
        f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
    }
}

impl Blend for i32 {
    #[inline(always)]
    fn blend(c: bool, a: i32, b: i32) -> i32 {
        let m = 0i32.wrapping_sub(c as i32);
        (a & m) | (b & !m)
    }
}

impl Blend for bool {
    #[inline(always)]
    fn blend(c: bool, a: bool, b: bool) -> bool {
        (c & a) | (!c & b)
    }
}

#[inline(always)]
pub(crate) fn head<T>(v: &[T], n: usize) -> &[T] {
    &v[..n.min(v.len())]
}

#[inline(always)]
pub(crate) fn head_mut<T>(v: &mut [T], n: usize) -> &mut [T] {
    let n = n.min(v.len());
    &mut v[..n]
}
