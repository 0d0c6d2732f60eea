//! A convolution's implicit-GEMM operand loads, written once for every C-like language.

use crate::dtype::{DType, Scalar};
use crate::ir::plan::{self, ConvGeometry, GemmProblem, ViewIndex};

use super::{constants_line, reg, slot, Dialect};

/// The implicit-GEMM operand loads of a convolution: `load_a(grp, m, k)` gathers the input patch
/// element of output pixel `m` and tap/channel `k` through view `x` (zero in the padding and,
/// for an lhs-dilated (transposed) convolution, between real pixels); `load_b(grp, k, n)` reads
/// the filter through view `w`. The views' offsets are written over indices named i0..i3.
/// `edge_checks`: also return zero past the problem's M, N and K (tiles that overhang them).
pub fn conv_loads<D: Dialect>(
    d: &mut D,
    p: &GemmProblem,
    g: &ConvGeometry,
    x: &ViewIndex,
    w: &ViewIndex,
    edge_checks: bool,
) -> plan::Result<String> {
    let (x_off, _) = d.view_offset(x)?;
    let (w_off, _) = d.view_offset(w)?;
    let (m, k) = (p.m, p.k);
    let (h, wd, cg, ow, ohw, kw, og) = (g.h, g.w, g.cg, g.ow, g.ohw, g.kw, g.og);
    let ([sh, sw], [dh, dw], [lh, lw], [ph, pw]) = (g.stride, g.rhs_dilation, g.lhs_dilation, g.padding_lo);
    let (u, i, f) = (D::U32, reg::<D>(DType::I32), reg::<D>(DType::F32));
    let zero_f = D::ZERO[slot(DType::F32)];
    let zero_i = D::ZERO[slot(DType::I32)];
    let unless = |cond: &str| format!("    if ({cond}) {{ return {zero_f}; }}\n");
    let edge = |cond: String| if edge_checks { unless(&cond) } else { String::new() };
    let lets = |defs: &[(&str, &str, String)]| constants_line(d, defs);
    let uarg = |n: &str| (n.to_string(), u.to_string());
    let mut s = d.function("load_a", &[uarg("grp"), uarg("m"), uarg("k")], f);
    s += &edge(format!("m >= {m}u || k >= {k}u"));
    s += &lets(&[
        ("b", u, format!("m / {ohw}u")),
        ("pix", u, format!("m % {ohw}u")),
        ("oh", u, format!("pix / {ow}u")),
        ("ow", u, format!("pix % {ow}u")),
    ]);
    s += &lets(&[
        ("ch", u, format!("k % {cg}u")),
        ("tap", u, format!("k / {cg}u")),
        ("ky", u, format!("tap / {kw}u")),
        ("kx", u, format!("tap % {kw}u")),
    ]);
    let pad = |v: i32| d.literal(Scalar::I32(v));
    s += &lets(&[
        (
            "yd",
            i,
            format!("{} - {}", d.to_i32(&format!("oh * {sh}u + ky * {dh}u")), pad(ph)),
        ),
        (
            "xd",
            i,
            format!("{} - {}", d.to_i32(&format!("ow * {sw}u + kx * {dw}u")), pad(pw)),
        ),
    ]);
    s += &unless(&format!("yd < {zero_i} || xd < {zero_i}"));
    if lh > 1 || lw > 1 {
        s += &unless(&format!(
            "{} % {lh}u != 0u || {} % {lw}u != 0u",
            d.to_u32("yd"),
            d.to_u32("xd")
        ));
    }
    s += &lets(&[
        ("y", u, format!("{} / {lh}u", d.to_u32("yd"))),
        ("xx", u, format!("{} / {lw}u", d.to_u32("xd"))),
    ]);
    s += &unless(&format!("y >= {h}u || xx >= {wd}u"));
    s += &lets(&[
        ("i0", u, "b".into()),
        ("i1", u, "y".into()),
        ("i2", u, "xx".into()),
        ("i3", u, format!("grp * {cg}u + ch")),
    ]);
    s += &format!("    return {};\n}}\n", d.element(0, &x_off));
    s += &d.function("load_b", &[uarg("grp"), uarg("k"), uarg("n")], f);
    s += &edge(format!("k >= {k}u || n >= {og}u"));
    s += &lets(&[("tap", u, format!("k / {cg}u"))]);
    s += &lets(&[
        ("i0", u, format!("tap / {kw}u")),
        ("i1", u, format!("tap % {kw}u")),
        ("i2", u, format!("k % {cg}u")),
        ("i3", u, format!("grp * {og}u + n")),
    ]);
    s += &format!("    return {};\n}}\n", d.element(1, &w_off));
    Ok(s)
}
