//! Image resizing, cropping and projective transforms (`ResizeBilinear`,
//! `ResizeNearestNeighbor`, `CropAndResize`, `ImageProjectiveTransformV3`).
//! Which source pixels and weights each output pixel uses depends only on sizes, attributes and
//! the (small) box list, so the host computes them as TF.js's CPU code does and the device
//! gathers and interpolates: no image data leaves the device.

use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::ops::where_;
use crate::{Result, Tensor};

/// The `[height, width]` size input and a 4-D NHWC image (TF.js's image ops take NHWC only).
fn image_and_size(c: &Ctx, image: usize, size: usize) -> Result<(Tensor, [usize; 2])> {
    let x = c.x(image)?;
    if x.rank() != 4 {
        return Err(c.err(format!("the image must be rank 4 (NHWC), got shape {:?}", x.shape())));
    }
    let s = c.ints(size)?;
    match s.as_slice() {
        &[h, w] if h > 0 && w > 0 => Ok((x.clone(), [h as usize, w as usize])),
        _ => Err(c.err(format!("the new size must be two positive integers, got {s:?}"))),
    }
}

/// The source-to-output scale of one axis (`align_corners` maps corner pixel centres).
fn ratio(old: usize, new: usize, align: bool) -> f64 {
    let (i, o) = if align && new > 1 {
        (old - 1, new - 1)
    } else {
        (old, new)
    };
    i as f64 / o as f64
}

fn idx_tensor(c: &Ctx, v: Vec<i32>) -> Result<Tensor> {
    let n = v.len();
    c.upload(HostData::I32(v), &[n])
}

/// Weights along `axis` of a rank-4 result: shape 1 everywhere else.
fn weights(c: &Ctx, v: Vec<f32>, axis: usize) -> Result<Tensor> {
    let mut shape = [1usize; 4];
    shape[axis] = v.len();
    c.upload(HostData::F32(v), &shape)
}

/// Linear interpolation along one axis: `lo + (hi - lo) * frac`, TF.js's order of operations.
fn lerp_axis(c: &Ctx, x: &Tensor, axis: usize, old: usize, new: usize, align: bool, half: bool) -> Result<Tensor> {
    let r = ratio(old, new, align);
    let (mut lo, mut hi, mut frac) = (vec![], vec![], vec![]);
    for i in 0..new {
        let src = if half { r * (i as f64 + 0.5) - 0.5 } else { r * i as f64 };
        let floor = src.floor().max(0.0);
        lo.push(floor as i32);
        hi.push((src.ceil() as i64).min(old as i64 - 1) as i32);
        frac.push((src - floor) as f32);
    }
    let a = x.gather(&idx_tensor(c, lo)?, axis as isize)?;
    let b = x.gather(&idx_tensor(c, hi)?, axis as isize)?;
    a.add(&b.sub(&a)?.mul(&weights(c, frac, axis)?)?)
}

/// A resize's NHWC image, new `[height, width]`, `align_corners` and `half_pixel_centers`.
fn resize_args(c: &Ctx) -> Result<(Tensor, [usize; 2], bool, bool)> {
    let (x, size) = image_and_size(c, 0, 1)?;
    let attr = |k: &str| c.node.attr_bool(k, false);
    Ok((x, size, attr("align_corners"), attr("half_pixel_centers")))
}

fn resize_bilinear(c: &Ctx) -> Result<Tensor> {
    let (x, [h, w], align, half) = resize_args(c)?;
    let (old_h, old_w) = (x.shape()[1], x.shape()[2]);
    let x = x.cast(DType::F32)?;
    let cols = lerp_axis(c, &x, 2, old_w, w, align, half)?;
    lerp_axis(c, &cols, 1, old_h, h, align, half)
}

fn nearest_axis(old: usize, new: usize, align: bool, half: bool) -> Vec<i32> {
    let r = ratio(old, new, align);
    (0..new)
        .map(|i| {
            let src = if half { r * (i as f64 + 0.5) } else { r * i as f64 };
            let near = if align { src.round() } else { src.floor() };
            let near = (near as i64).min(old as i64 - 1);
            (if half { near.max(0) } else { near }) as i32
        })
        .collect()
}

fn resize_nearest(c: &Ctx) -> Result<Tensor> {
    let (x, [h, w], align, half) = resize_args(c)?;
    let (old_h, old_w) = (x.shape()[1], x.shape()[2]);
    let rows = x.gather(&idx_tensor(c, nearest_axis(old_h, h, align, half))?, 1)?;
    rows.gather(&idx_tensor(c, nearest_axis(old_w, w, align, half))?, 2)
}

/// `CropAndResize(image, boxes, box_ind, crop_size)`: each box (normalized `[y1, x1, y2, x2]`)
/// of image `box_ind[b]` sampled on a `crop_size` grid, bilinear or nearest; samples outside the
/// image take `extrapolation_value`, boxes naming no image stay zero (TF.js's CPU rules).
fn crop_and_resize(c: &Ctx) -> Result<Tensor> {
    let (image, [ch, cw]) = image_and_size(c, 0, 3)?;
    let (b_t, bi_t) = (c.x(1)?, c.x(2)?);
    let num = b_t.shape().first().copied().unwrap_or(0);
    if b_t.rank() != 2 || b_t.shape()[1] != 4 {
        return Err(c.err(format!("boxes must be shape [numBoxes, 4], got {:?}", b_t.shape())));
    }
    if bi_t.shape() != [num] {
        return Err(c.err(format!("boxInd must be shape [{num}], got {:?}", bi_t.shape())));
    }
    let method = c.node.attr_str_or("method", Some("bilinear"))?.unwrap_or_default();
    let nearest = match method.as_str() {
        "bilinear" => false,
        "nearest" => true,
        m => return Err(c.err(format!("method must be bilinear or nearest, got {m}"))),
    };
    let extrapolate = c.node.attr_float("extrapolation_value", 0.0) as f32;
    let data = c.prefetch(&[1, 2])?;
    let (boxes, box_ind) = (data[0].to_f32_vec(), data[1].to_f32_vec());
    let [batch, ih, iw, depth] = [image.shape()[0], image.shape()[1], image.shape()[2], image.shape()[3]];
    let n = num * ch * cw;
    // Per output pixel: four source pixels (flat over batch, rows, columns), the two weights,
    // and what it is when it samples nothing (0 inside, extrapolation outside, 2 for no image).
    let (mut corners, mut xl, mut yl, mut state) = (vec![[0i32; 4]; n], vec![0f32; n], vec![0f32; n], vec![0u8; n]);
    let axis_pos = |lo: f32, hi: f32, i: usize, out: usize, size: usize| -> f64 {
        let (lo, hi, last) = (f64::from(lo), f64::from(hi), (size - 1) as f64);
        if out > 1 {
            lo * last + i as f64 * ((hi - lo) * last / (out - 1) as f64)
        } else {
            0.5 * (lo + hi) * last
        }
    };
    for b in 0..num {
        let [y1, x1, y2, x2] = [boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2], boxes[4 * b + 3]];
        let bi = box_ind[b];
        for y in 0..ch {
            let yi = axis_pos(y1, y2, y, ch, ih);
            for x in 0..cw {
                let o = (b * ch + y) * cw + x;
                if bi < 0.0 || bi as usize >= batch {
                    state[o] = 2;
                    continue;
                }
                let xi = axis_pos(x1, x2, x, cw, iw);
                if yi < 0.0 || yi > (ih - 1) as f64 || xi < 0.0 || xi > (iw - 1) as f64 {
                    state[o] = 1;
                    continue;
                }
                let at = |r: f64, col: f64| ((bi as usize * ih + r as usize) * iw + col as usize) as i32;
                corners[o] = if nearest {
                    [at(yi.round(), xi.round()); 4]
                } else {
                    [
                        at(yi.floor(), xi.floor()),
                        at(yi.floor(), xi.ceil()),
                        at(yi.ceil(), xi.floor()),
                        at(yi.ceil(), xi.ceil()),
                    ]
                };
                xl[o] = (xi - xi.floor()) as f32;
                yl[o] = (yi - yi.floor()) as f32;
            }
        }
    }
    let flat = image
        .cast(DType::F32)?
        .reshape(&[(batch * ih * iw) as isize, depth as isize])?;
    let corner =
        |k: usize| -> Result<Tensor> { flat.gather(&idx_tensor(c, corners.iter().map(|q| q[k]).collect())?, 0) };
    let col = |v: Vec<f32>| c.upload(HostData::F32(v), &[n, 1]);
    let sampled = if nearest {
        corner(0)?
    } else {
        let (xl, yl) = (col(xl)?, col(yl)?);
        let (tl, tr, bl, br) = (corner(0)?, corner(1)?, corner(2)?, corner(3)?);
        let top = tl.add(&tr.sub(&tl)?.mul(&xl)?)?;
        let bottom = bl.add(&br.sub(&bl)?.mul(&xl)?)?;
        top.add(&bottom.sub(&top)?.mul(&yl)?)?
    };
    let fill: Vec<f32> = state.iter().map(|&s| if s == 2 { 0.0 } else { extrapolate }).collect();
    let inside = c.upload(HostData::Bool(state.iter().map(|&s| s == 0).collect()), &[n, 1])?;
    let out = where_(&inside, &sampled, &col(fill)?)?;
    out.reshape(&[num as isize, ch as isize, cw as isize, depth as isize])
}

/// TF.js's `mapCoord`: where a source coordinate outside `[0, len)` reads, by fill mode.
fn map_coord(v: f64, len: usize, mode: &str) -> f64 {
    let n = len as f64;
    let m = match mode {
        "reflect" if v < 0.0 && len > 1 => {
            let sz2 = 2.0 * n;
            let v = if v < sz2 { sz2 * (-v / sz2).trunc() + v } else { v };
            if v < -n {
                v + sz2
            } else {
                -v - 1.0
            }
        }
        "reflect" if v > n - 1.0 && len > 1 => {
            let sz2 = 2.0 * n;
            let v = v - sz2 * (v / sz2).trunc();
            if v >= n {
                sz2 - v - 1.0
            } else {
                v
            }
        }
        "wrap" if v < 0.0 && len > 1 => v + n * ((-v / (n - 1.0)).trunc() + 1.0),
        "wrap" if v > n - 1.0 && len > 1 => v - n * (v / (n - 1.0)).trunc(),
        "reflect" | "wrap" if v < 0.0 || v > n - 1.0 => 0.0,
        "constant" => return v,
        _ => v,
    };
    m.clamp(0.0, n - 1.0)
}

/// `ImageProjectiveTransformV3(images, transforms, output_shape, fill_value)`: each output
/// pixel (x, y) reads the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
/// k = c0 x + c1 y + 1, by nearest or bilinear interpolation, outside the image as `fill_mode`
/// says. The host maps coordinates (the transforms are a few numbers); the device gathers.
fn projective_transform(c: &Ctx) -> Result<Tensor> {
    let x = c.x(0)?;
    let [b, h, w, ch] = x.shape()[..] else {
        return Err(c.err(format!(
            "Error in transform: image must be rank 4,but got rank {}.",
            x.rank()
        )));
    };
    let t = c.x(1)?;
    if t.rank() != 2 || (t.shape()[0] != b && t.shape()[0] != 1) || t.shape()[1] != 8 {
        return Err(c.err("Error in transform: Input transform should be batch x 8 or 1 x 8"));
    }
    let [oh, ow] = match c.ints(2)?.as_slice() {
        &[oh, ow] if oh > 0 && ow > 0 => [oh as usize, ow as usize],
        s => {
            return Err(c.err(format!(
                "Error in transform: outputShape must be [height, width], but got {s:?}."
            )))
        }
    };
    let fill = c.scalar(3)?;
    let interpolation = c.node.attr_str("interpolation")?.to_ascii_lowercase();
    let mode = c.node.attr_str("fill_mode")?.to_ascii_lowercase();
    let taps = match interpolation.as_str() {
        "nearest" => 1,
        "bilinear" => 4,
        other => {
            return Err(c.err(format!(
                "Error in Transform: Expect 'nearest' or 'bilinear', but got {other}"
            )))
        }
    };
    let tv: Vec<f64> = c.host_data(1)?.to_f32_vec().into_iter().map(f64::from).collect();
    let pixels = b * oh * ow;
    crate::shape::numel_checked("ImageProjectiveTransformV3", &[taps, pixels, ch.max(1)])?;
    // Row `b * h * w` of the flattened image is the fill value.
    let fill_row = (b * h * w) as i32;
    let (mut idx, mut wts) = (vec![fill_row; taps * pixels], vec![0f32; taps * pixels]);
    for n in 0..b {
        let m = if t.shape()[0] == 1 {
            &tv[..8]
        } else {
            &tv[n * 8..n * 8 + 8]
        };
        for y in 0..oh {
            for xo in 0..ow {
                let p = (n * oh + y) * ow + xo;
                let (xf, yf) = (xo as f64, y as f64);
                let k = m[6] * xf + m[7] * yf + 1.0;
                if k == 0.0 {
                    wts[p] = 1.0;
                    continue;
                }
                let sx = map_coord((m[0] * xf + m[1] * yf + m[2]) / k, w, &mode);
                let sy = map_coord((m[3] * xf + m[4] * yf + m[5]) / k, h, &mode);
                let at = |yy: f64, xx: f64| -> i32 {
                    if (0.0..h as f64).contains(&yy) && (0.0..w as f64).contains(&xx) {
                        ((n * h + yy as usize) * w + xx as usize) as i32
                    } else {
                        fill_row
                    }
                };
                if taps == 1 {
                    // JS's Math.round: halves round up.
                    idx[p] = at((sy + 0.5).floor(), (sx + 0.5).floor());
                    wts[p] = 1.0;
                } else {
                    let (y0, x0) = (sy.floor(), sx.floor());
                    let (dy, dx) = (sy - y0, sx - x0);
                    let corners = [
                        (y0, x0, (1.0 - dy) * (1.0 - dx)),
                        (y0, x0 + 1.0, (1.0 - dy) * dx),
                        (y0 + 1.0, x0, dy * (1.0 - dx)),
                        (y0 + 1.0, x0 + 1.0, dy * dx),
                    ];
                    for (q, (yy, xx, wt)) in corners.into_iter().enumerate() {
                        idx[q * pixels + p] = at(yy, xx);
                        wts[q * pixels + p] = wt as f32;
                    }
                }
            }
        }
    }
    let dtype = x.dtype();
    let flat = x.cast(DType::F32)?.reshape(&[(b * h * w) as isize, ch as isize])?;
    let fill_t = c.upload(HostData::F32(vec![fill; ch]), &[1, ch])?;
    let ext = crate::ops::movement::concat(&[flat, fill_t], 0)?;
    let rows = ext.gather(&c.upload(HostData::I32(idx), &[taps * pixels])?, 0)?;
    let weights = c.upload(HostData::F32(wts), &[taps, pixels, 1])?;
    let out = rows
        .reshape(&[taps as isize, pixels as isize, ch as isize])?
        .mul(&weights)?
        .sum(&[0], false)?;
    out.reshape(&[b as isize, oh as isize, ow as isize, ch as isize])?
        .cast(dtype)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("ImageProjectiveTransformV3", |c| one(projective_transform(c))),
    ("ResizeBilinear", |c| one(resize_bilinear(c))),
    ("ResizeNearestNeighbor", |c| one(resize_nearest(c))),
    ("CropAndResize", |c| one(crop_and_resize(c))),
];
