//! `TopKV2` and `Unique`/`UniqueV2` (computed on the host, as TF.js's CPU code), and
//! `LowerBound`/`UpperBound` (composed on the device: a count of the sorted values below each
//! query).

use std::collections::HashMap;

use super::dynamic::{order_desc, same_value_keys};
use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::{Result, Tensor};

/// The elements of `d` at `idx`, same dtype.
fn pick(d: &HostData, idx: &[usize]) -> HostData {
    match d {
        HostData::F32(v) => HostData::F32(idx.iter().map(|&i| v[i]).collect()),
        HostData::I32(v) => HostData::I32(idx.iter().map(|&i| v[i]).collect()),
        HostData::Bool(v) => HostData::Bool(idx.iter().map(|&i| v[i]).collect()),
    }
}

/// `TopKV2(x, k)`: the `k` largest along the last axis, largest first, ties to the lower index.
fn top_k(c: &Ctx) -> Result<Vec<Tensor>> {
    let x = c.x(0)?;
    let shape = x.shape().to_vec();
    let Some(&last) = shape.last() else {
        return Err(c.err("topk() expects the input to be of rank 1 or higher, but got rank 0"));
    };
    let k = c.int(1)?;
    if k < 0 {
        return Err(c.err(format!("'k' passed to topk() must be >= 0 but got {k}")));
    }
    let k = k as usize;
    if k > last {
        return Err(c.err(format!(
            "'k' passed to topk() must be <= the last dimension ({last}) but got {k}"
        )));
    }
    let data = c.host_data(0)?;
    let vals: Vec<f64> = match &data {
        HostData::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
        d => d.to_f32_vec().into_iter().map(f64::from).collect(),
    };
    let mut picked = Vec::with_capacity(vals.len() / last.max(1) * k);
    for row in 0..vals.len() / last.max(1) {
        let order = order_desc(vals[row * last..(row + 1) * last].iter().copied());
        picked.extend(order[..k].iter().map(|&i| row * last + i));
    }
    let mut out_shape = shape.clone();
    *out_shape.last_mut().unwrap_or(&mut 0) = k;
    let idx: Vec<i32> = picked.iter().map(|&i| (i % last) as i32).collect();
    Ok(vec![
        c.upload(pick(&data, &picked), &out_shape)?,
        c.upload(HostData::I32(idx), &out_shape)?,
    ])
}

/// `Unique(x)` / `UniqueV2(x, axis)`: the distinct slices along `axis` in order of first
/// appearance, and for each slice of `x` the index of its value in them.
fn unique(c: &Ctx) -> Result<Vec<Tensor>> {
    let x = c.x(0)?;
    let rank = x.rank() as i64;
    let axis = if c.inputs.len() > 1 { c.int(1)? } else { 0 };
    if rank == 0 || axis < -rank || axis >= rank {
        return Err(c.err(format!("Axis must be in the interval [{}, {})", -rank, rank.max(1))));
    }
    let axis = axis.rem_euclid(rank.max(1)) as usize;
    let shape = x.shape();
    let n = shape[axis];
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let keys = same_value_keys(&c.host_data(0)?);
    let mut first: HashMap<Vec<u64>, i32> = HashMap::new();
    let (mut kept, mut idx) = (vec![], Vec::with_capacity(n));
    for j in 0..n {
        let key: Vec<u64> = (0..outer)
            .flat_map(|o| keys[(o * n + j) * inner..(o * n + j + 1) * inner].iter().copied())
            .collect();
        let next = kept.len() as i32;
        let id = *first.entry(key).or_insert(next);
        if id == next {
            kept.push(j as i32);
        }
        idx.push(id);
    }
    let m = kept.len();
    let kept = c.upload(HostData::I32(kept), &[m])?;
    Ok(vec![
        x.gather(&kept, axis as isize)?,
        c.upload(HostData::I32(idx), &[n])?,
    ])
}

/// `LowerBound`/`UpperBound(sorted [..., N], values [..., M])`: for each value, how many sorted
/// entries are below it (`<` for the lower bound, `<=` for the upper), int32; as TF.js, both are
/// taken as 2-D (`[-1, N]`, `[-1, M]`) and so is the result.
fn search_sorted(c: &Ctx, upper: bool) -> Result<Tensor> {
    let (s, v) = (c.x(0)?, c.x(1)?);
    let (Some(&n), Some(&m)) = (s.shape().last(), v.shape().last()) else {
        return Err(c.err("Sorted input argument must be at least 2-dimensional"));
    };
    let (s, v) = (s.reshape(&[-1, n as isize])?, v.reshape(&[-1, m as isize])?);
    if s.shape()[0] != v.shape()[0] {
        return Err(c.err("Leading dimension of 'sortedSequence' and 'values' must match."));
    }
    let (s, v) = (s.expand_dims(-1)?, v.expand_dims(-2)?);
    let below = if upper { s.less_equal(&v)? } else { s.less(&v)? };
    below.cast(DType::I32)?.sum(&[-2], false)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("TopKV2", top_k),
    ("Unique", unique),
    ("UniqueV2", unique),
    ("LowerBound", |c| one(search_sorted(c, false))),
    ("UpperBound", |c| one(search_sorted(c, true))),
];
