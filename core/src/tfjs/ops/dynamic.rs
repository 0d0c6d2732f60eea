//! Ops whose output shape depends on input values: `Where`, `ListDiff` and non-max suppression.
//! They read their inputs on the host (where the device cannot read synchronously, the executor
//! pauses for an asynchronous read first: TF.js's `executeAsync`) and compute as TF.js's CPU code.

use super::{Ctx, Kernel};
use crate::dtype::HostData;
use crate::{Result, Tensor};

/// `Where(condition)`: the coordinates of the true (non-zero) elements, `[count, rank]` int32.
fn where_coords(c: &Ctx) -> Result<Vec<Tensor>> {
    let shape = c.x(0)?.shape().to_vec();
    let truth: Vec<bool> = match c.host_data(0)? {
        HostData::F32(v) => v.iter().map(|&x| x != 0.0).collect(),
        HostData::I32(v) => v.iter().map(|&x| x != 0).collect(),
        HostData::Bool(v) => v,
    };
    let mut coords = vec![];
    let mut count = 0;
    for (flat, _) in truth.iter().enumerate().filter(|(_, &t)| t) {
        let start = coords.len();
        let mut rest = flat;
        for &d in shape.iter().rev() {
            coords.push((rest % d) as i32);
            rest /= d;
        }
        coords[start..].reverse();
        count += 1;
    }
    Ok(vec![c.upload(HostData::I32(coords), &[count, shape.len()])?])
}

/// Values compared as TF.js's `Set` does (SameValueZero: NaN equals NaN, -0 equals 0).
pub(super) fn same_value_keys(d: &HostData) -> Vec<u64> {
    let key = |x: f64| {
        if x.is_nan() {
            f64::NAN.to_bits()
        } else {
            (x + 0.0).to_bits()
        }
    };
    match d {
        HostData::F32(v) => v.iter().map(|&x| key(f64::from(x))).collect(),
        HostData::I32(v) => v.iter().map(|&x| key(f64::from(x))).collect(),
        HostData::Bool(v) => v.iter().map(|&x| u64::from(x)).collect(),
    }
}

/// `ListDiff(x, y)` (`setdiff1d`): the elements of `x` not in `y`, and their positions in `x`.
fn list_diff(c: &Ctx) -> Result<Vec<Tensor>> {
    let (x, y) = (c.x(0)?, c.x(1)?);
    if x.dtype() != y.dtype() {
        return Err(c.err(format!(
            "x and y should have the same dtype, but got x ({}) and y ({}).",
            x.dtype().name(),
            y.dtype().name()
        )));
    }
    for (t, n) in [(x, "x"), (y, "y")] {
        if t.rank() != 1 {
            return Err(c.err(format!("{n} should be 1D tensor, but got {n} ({:?}).", t.shape())));
        }
    }
    let data = c.prefetch(&[0, 1])?;
    let ys: std::collections::HashSet<u64> = same_value_keys(&data[1]).into_iter().collect();
    let idx: Vec<i32> = same_value_keys(&data[0])
        .into_iter()
        .enumerate()
        .filter(|(_, k)| !ys.contains(k))
        .map(|(i, _)| i as i32)
        .collect();
    let n = idx.len();
    let idx = c.upload(HostData::I32(idx), &[n])?;
    Ok(vec![x.gather(&idx, 0)?, idx])
}

/// Intersection over union of boxes `i` and `j` (`[y1, x1, y2, x2]`, corners in either order).
fn iou(boxes: &[f32], i: usize, j: usize) -> f64 {
    let b = |k: usize| {
        let v: Vec<f64> = boxes[4 * k..4 * k + 4].iter().map(|&x| f64::from(x)).collect();
        (v[0].min(v[2]), v[1].min(v[3]), v[0].max(v[2]), v[1].max(v[3]))
    };
    let (ay0, ax0, ay1, ax1) = b(i);
    let (by0, bx0, by1, bx1) = b(j);
    let (area_a, area_b) = ((ay1 - ay0) * (ax1 - ax0), (by1 - by0) * (bx1 - bx0));
    if area_a <= 0.0 || area_b <= 0.0 {
        return 0.0;
    }
    let inter = (ay1.min(by1) - ay0.max(by0)).max(0.0) * (ax1.min(bx1) - ax0.max(bx0)).max(0.0);
    inter / (area_a + area_b - inter)
}

struct Candidate {
    score: f64,
    index: usize,
    suppress_begin: usize,
}

/// Candidates ascending by score, then descending by index, so the last is the next to take.
fn ascending(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    a.score
        .partial_cmp(&b.score)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then(b.index.cmp(&a.index))
}

/// Indices ordering `keys` from largest to smallest, ties to the lower index (TF.js's `topk` and
/// non-max suppression order); one sort of plain integer pairs.
pub(super) fn order_desc(keys: impl Iterator<Item = f64>) -> Vec<usize> {
    let mut v: Vec<(u64, usize)> = keys
        .enumerate()
        .map(|(i, x)| {
            let b = x.to_bits();
            let ascending = if b >> 63 == 1 { !b } else { b | 1 << 63 };
            (!ascending, i)
        })
        .collect();
    v.sort_unstable();
    v.into_iter().map(|(_, i)| i).collect()
}

/// Greedy (soft) non-max suppression as TF.js's CPU implementation: selected indices and scores.
fn suppress(
    boxes: &[f32],
    scores: &[f32],
    max_out: usize,
    iou_th: f64,
    score_th: f64,
    sigma: f64,
) -> (Vec<i32>, Vec<f32>) {
    // Ascending, so the next candidate pops from the end.
    let mut cands: Vec<Candidate> = order_desc(scores.iter().map(|&s| f64::from(s)))
        .into_iter()
        .rev()
        .filter(|&i| f64::from(scores[i]) > score_th)
        .map(|index| Candidate {
            score: f64::from(scores[index]),
            index,
            suppress_begin: 0,
        })
        .collect();
    let scale = if sigma > 0.0 { -0.5 / sigma } else { 0.0 };
    let (mut picked, mut picked_scores): (Vec<usize>, Vec<f32>) = (vec![], vec![]);
    while picked.len() < max_out {
        let Some(mut cand) = cands.pop() else { break };
        let original = cand.score;
        if original < score_th {
            break;
        }
        let mut ignore = false;
        for j in (cand.suppress_begin..picked.len()).rev() {
            let o = iou(boxes, cand.index, picked[j]);
            if o >= iou_th {
                ignore = true;
                break;
            }
            cand.score *= if o <= iou_th { (scale * o * o).exp() } else { 0.0 };
            if cand.score <= score_th {
                break;
            }
        }
        cand.suppress_begin = picked.len();
        if ignore {
            continue;
        }
        if cand.score == original {
            picked.push(cand.index);
            picked_scores.push(cand.score as f32);
        } else if cand.score > score_th {
            let at = cands.partition_point(|c| ascending(c, &cand).is_lt());
            cands.insert(at, cand);
        }
    }
    (picked.into_iter().map(|i| i as i32).collect(), picked_scores)
}

/// `NonMaxSuppressionV2..V5(boxes, scores, max_output_size, iou_threshold[, score_threshold
/// [, soft_nms_sigma]])`, with TF.js's argument checks; V4 also returns the valid count (and pads
/// with `pad_to_max_output_size`), V5 the selected scores.
fn non_max_suppression(c: &Ctx, version: u8) -> Result<Vec<Tensor>> {
    let (boxes_t, scores_t) = (c.x(0)?, c.x(1)?);
    c.x(3)?;
    let n_args = c.inputs.len().min(6);
    let data = c.prefetch(&(0..n_args).collect::<Vec<_>>())?;
    let num = |i: usize, default: f64| -> Result<f64> {
        match data.get(i) {
            None => Ok(default),
            Some(d) if d.len() == 1 => Ok(f64::from(d.to_f32_vec()[0])),
            Some(_) => Err(c.err(format!("input {i} must be a scalar"))),
        }
    };
    let iou_th = num(3, 0.5)?;
    let score_th = if version >= 3 {
        num(4, f64::NEG_INFINITY)?
    } else {
        f64::NEG_INFINITY
    };
    let sigma = if version == 5 { num(5, 0.0)? } else { 0.0 };
    let num_boxes = boxes_t.shape().first().copied().unwrap_or(0);
    let max_out = (num(2, f64::NAN)?.max(0.0) as usize).min(num_boxes);
    if !(0.0..=1.0).contains(&iou_th) {
        return Err(c.err(format!("iouThreshold must be in [0, 1], but was '{iou_th}'")));
    }
    if boxes_t.rank() != 2 {
        return Err(c.err(format!(
            "boxes must be a 2D tensor, but was of rank '{}'",
            boxes_t.rank()
        )));
    }
    if boxes_t.shape()[1] != 4 {
        return Err(c.err(format!(
            "boxes must have 4 columns, but 2nd dimension was {}",
            boxes_t.shape()[1]
        )));
    }
    if scores_t.rank() != 1 {
        return Err(c.err("scores must be a 1D tensor"));
    }
    if scores_t.shape()[0] != num_boxes {
        return Err(c.err(format!(
            "scores has incompatible shape with boxes. Expected {num_boxes}, but was {}",
            scores_t.shape()[0]
        )));
    }
    if !(0.0..=1.0).contains(&sigma) {
        return Err(c.err(format!("softNmsSigma must be in [0, 1], but was '{sigma}'")));
    }
    let (boxes, scores) = (data[0].to_f32_vec(), data[1].to_f32_vec());
    let (mut idx, mut sel_scores) = suppress(&boxes, &scores, max_out, iou_th, score_th, sigma);
    let valid = idx.len();
    if version == 4 && c.node.attr_bool("pad_to_max_output_size", false) {
        idx.resize(max_out, 0);
        sel_scores.resize(max_out, 0.0);
    }
    let n = idx.len();
    let indices = c.upload(HostData::I32(idx), &[n])?;
    Ok(match version {
        4 => vec![indices, c.upload(HostData::I32(vec![valid as i32]), &[])?],
        5 => vec![indices, c.upload(HostData::F32(sel_scores), &[n])?],
        _ => vec![indices],
    })
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Where", where_coords),
    ("ListDiff", list_diff),
    ("NonMaxSuppressionV2", |c| non_max_suppression(c, 2)),
    ("NonMaxSuppressionV3", |c| non_max_suppression(c, 3)),
    ("NonMaxSuppressionV4", |c| non_max_suppression(c, 4)),
    ("NonMaxSuppressionV5", |c| non_max_suppression(c, 5)),
];
