//! The polynomials every backend evaluates `exp`, `ln` and `tanh` with (Cephes' single-precision
//! coefficients), in one place: the CPU backend evaluates them with [`horner`], the kernel
//! preludes write the same steps in WGSL and CUDA C (`clike::horner`), so backends agree to an
//! ulp or two instead of to each vendor's builtins.

/// `e^r ≈ 1 + r + r² P(r)` on `[-ln2/2, ln2/2]`, highest degree first.
pub const EXP: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    5e-1,
];

/// `ln(1 + z) ≈ z - z²/2 + z³ P(z)` on `[sqrt(1/2) - 1, sqrt(2) - 1)`, highest degree first.
pub const LN: [f32; 9] = [
    7.037_683_6e-2,
    -1.151_461_1e-1,
    1.167_699_9e-1,
    -1.242_014_1e-1,
    1.424_932_3e-1,
    -1.666_805_8e-1,
    2.000_071_5e-1,
    -2.499_999_4e-1,
    3.333_333e-1,
];

/// `tanh(x) ≈ x + x³ P(x²)` for `|x| < 0.625`, highest degree first.
pub const TANH: [f32; 5] = [
    -5.704_988_7e-3,
    2.063_909e-2,
    -5.373_971_6e-2,
    1.333_144_2e-1,
    -3.333_328e-1,
];

/// `P(x)` by Horner's rule, one multiply and one add per coefficient (never fused: kernels are
/// compiled without contraction, and the steps must be the same everywhere).
#[inline(always)]
pub fn horner(coefficients: &[f32], x: f32) -> f32 {
    let (&first, rest) = coefficients.split_first().unwrap_or((&0.0, &[]));
    rest.iter().fold(first, |p, &c| p * x + c)
}
