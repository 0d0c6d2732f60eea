//! Sparse ops (`SparseReshape`, `SparseFillEmptyRows`, `SparseSegmentSum`/`Mean`), computed on
//! the host as TF.js's CPU code does (index bookkeeping over small inputs), with its checks and
//! messages; results go to the inputs' device.

use super::{Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::{Result, Tensor};

fn ints_of(d: &HostData) -> Vec<i64> {
    match d {
        HostData::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
        d => d.to_f32_vec().into_iter().map(|x| x as i64).collect(),
    }
}

fn i32s(v: &[i64]) -> HostData {
    HostData::I32(v.iter().map(|&x| x as i32).collect())
}

fn fmt(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// `SparseReshape(indices [n, rank], shape [rank], new_shape)`: the same nonzeros' indices in
/// the new shape (one size may be -1), and the new shape.
fn reshape(c: &Ctx) -> Result<Vec<Tensor>> {
    let (idx_t, shape_t, new_t) = (c.x(0)?, c.x(1)?, c.x(2)?);
    if idx_t.rank() != 2 {
        return Err(c.err(format!(
            "Input indices should be Tensor2D but received shape {:?}",
            idx_t.shape()
        )));
    }
    if shape_t.rank() != 1 || new_t.rank() != 1 {
        return Err(c.err(format!(
            "Input shape and new shape should be Tensor1D but received shapes {:?} and {:?}",
            shape_t.shape(),
            new_t.shape()
        )));
    }
    let data = c.prefetch(&[0, 1, 2])?;
    let (indices, in_shape, target) = (ints_of(&data[0]), ints_of(&data[1]), ints_of(&data[2]));
    let dense: i64 = in_shape.iter().product();
    let (mut out, mut product, mut unknown) = (Vec::with_capacity(target.len()), 1i64, None);
    for (d, &size) in target.iter().enumerate() {
        if size == -1 {
            if let Some(u) = unknown {
                return Err(c.err(format!("only one output dimension may be -1, not both {u} and {d}")));
            }
            unknown = Some(d);
            out.push(1);
        } else if size < 0 {
            return Err(c.err(format!("size {d} must be non-negative, not {size}")));
        } else {
            product = product.saturating_mul(size);
            out.push(size);
        }
    }
    if let Some(u) = unknown {
        if product <= 0 {
            return Err(c.err(
                "reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero",
            ));
        }
        let missing = dense / product;
        if product * missing != dense {
            return Err(c.err(format!(
                "Input to reshape is a SparseTensor with {dense} dense values, but the requested shape requires a multiple of {product}. inputShape={} outputShape= {}",
                fmt(&in_shape),
                fmt(&out)
            )));
        }
        out[u] = missing;
    }
    let out_size: i64 = out.iter().product();
    if out_size != dense {
        return Err(c.err(format!(
            "Input to reshape is a tensor with {dense} dense values, but the requested shape has {out_size}. inputShape={} outputShape={}",
            fmt(&in_shape),
            fmt(&out)
        )));
    }
    let strides = |s: &[i64]| -> Vec<i64> {
        let mut st = vec![1i64; s.len()];
        for d in (0..s.len().saturating_sub(1)).rev() {
            st[d] = st[d + 1] * s[d + 1];
        }
        st
    };
    let (in_st, out_st) = (strides(&in_shape), strides(&out));
    let (nnz, rank) = (idx_t.shape()[0], idx_t.shape()[1]);
    let mut new_idx = Vec::with_capacity(nnz * out.len());
    for i in 0..nnz {
        let mut id: i64 = (0..rank)
            .map(|j| indices[i * rank + j] * in_st.get(j).copied().unwrap_or(0))
            .sum();
        for &s in &out_st {
            new_idx.push(id / s);
            id %= s;
        }
    }
    Ok(vec![
        c.upload(i32s(&new_idx), &[nnz, out.len()])?,
        c.upload(i32s(&out), &[out.len()])?,
    ])
}

/// `SparseFillEmptyRows(indices, values, dense_shape, default_value)`: every empty row gets one
/// entry `[row, 0, ...]` holding the default; also which rows were empty and where each input
/// entry went.
fn fill_empty_rows(c: &Ctx) -> Result<Vec<Tensor>> {
    let (idx_t, val_t, shape_t, def_t) = (c.x(0)?, c.x(1)?, c.x(2)?, c.x(3)?);
    if idx_t.rank() != 2 {
        return Err(c.err(format!(
            "Indices should be Tensor2D but received shape {:?}",
            idx_t.shape()
        )));
    }
    if val_t.rank() != 1 {
        return Err(c.err(format!(
            "Values should be Tensor1D but received shape {:?}",
            val_t.shape()
        )));
    }
    if shape_t.rank() != 1 {
        return Err(c.err(format!(
            "Dense shape should be Tensor1D but received shape {:?}",
            shape_t.shape()
        )));
    }
    if def_t.rank() != 0 {
        return Err(c.err(format!(
            "Default value should be a scalar but received shape {:?}",
            def_t.shape()
        )));
    }
    let data = c.prefetch(&[0, 1, 2, 3])?;
    let (indices, dense) = (ints_of(&data[0]), ints_of(&data[2]));
    let values = data[1].to_f32_vec();
    let default = data[3].to_f32_vec()[0];
    let (count, rank) = (idx_t.shape()[0], idx_t.shape()[1]);
    let rows = usize::try_from(*dense.first().unwrap_or(&0)).map_err(|_| c.err("dense_shape[0] must be >= 0"))?;
    if values.len() != count {
        return Err(c.err(format!("{} values for {count} indices", values.len())));
    }
    let mut per_row = vec![0usize; rows];
    for i in 0..count {
        let row = indices[i * rank];
        if row < 0 {
            return Err(c.err(format!("indices({i}, 0) is invalid: {row} < 0")));
        }
        if row as usize >= rows {
            return Err(c.err(format!("indices({i}, 0) is invalid: {row} >= {rows}")));
        }
        per_row[row as usize] += 1;
    }
    if rows == 0 && count != 0 {
        return Err(c.err(format!(
            "Received SparseTensor with denseShape[0] = 0 but indices.shape[0] = {count}"
        )));
    }
    // Row r's entries start at start[r]; an empty row holds one (the default).
    let mut start = vec![0usize; rows + 1];
    for r in 0..rows {
        start[r + 1] = start[r] + per_row[r].max(1);
    }
    let total = start[rows];
    let mut out_idx = vec![0i64; total * rank];
    let mut out_val = vec![default; total];
    let mut filled = vec![0usize; rows];
    let mut reverse = Vec::with_capacity(count);
    for i in 0..count {
        let row = indices[i * rank] as usize;
        let at = start[row] + filled[row];
        filled[row] += 1;
        out_idx[at * rank..(at + 1) * rank].copy_from_slice(&indices[i * rank..(i + 1) * rank]);
        out_val[at] = values[i];
        reverse.push(at as i64);
    }
    for r in 0..rows {
        if per_row[r] == 0 && rank > 0 {
            out_idx[start[r] * rank] = r as i64;
        }
    }
    let out_values = match val_t.dtype() {
        DType::I32 => HostData::I32(out_val.iter().map(|&v| v as i32).collect()),
        DType::Bool => HostData::Bool(out_val.iter().map(|&v| v != 0.0).collect()),
        DType::F32 => HostData::F32(out_val),
    };
    Ok(vec![
        c.upload(i32s(&out_idx), &[total, rank])?,
        c.upload(out_values, &[total])?,
        c.upload(HostData::Bool(per_row.iter().map(|&n| n == 0).collect()), &[rows])?,
        c.upload(i32s(&reverse), &[count])?,
    ])
}

/// `SparseSegmentSum`/`SparseSegmentMean(data, indices, segment_ids)`: for each segment id (sorted),
/// the sum (or mean) of the data rows its indices pick; ids skipped hold zeros. The ids are
/// checked on the host; the data stays on the device: a `[segments, picks]` matrix of weights
/// (1, or 1/count for the mean) times the picked rows.
fn segment(c: &Ctx, mean: bool) -> Result<Vec<Tensor>> {
    let (data_t, idx_t, seg_t) = (c.x(0)?, c.x(1)?, c.x(2)?);
    if data_t.rank() < 1 {
        return Err(c.err("Data should be at least 1 dimensional but received scalar"));
    }
    if idx_t.rank() != 1 || seg_t.rank() != 1 {
        return Err(c.err(format!(
            "Indices and segment ids should be Tensor1D but received shapes {:?} and {:?}",
            idx_t.shape(),
            seg_t.shape()
        )));
    }
    let host = c.prefetch(&[1, 2])?;
    let (indices, ids) = (ints_of(&host[0]), ints_of(&host[1]));
    if indices.len() != ids.len() {
        return Err(c.err(format!("{} indices for {} segment ids", indices.len(), ids.len())));
    }
    let in_rows = data_t.shape()[0];
    let rows = ids.last().map_or(0, |&l| l + 1);
    if rows < 0 || (!ids.is_empty() && rows == 0) {
        return Err(c.err("segment ids must be >= 0"));
    }
    let (rows, n) = (rows as usize, ids.len());
    crate::shape::numel_checked(&c.node.op, &[rows, n.max(1)])?;
    let mut weights = vec![0f32; rows * n];
    let mut start = 0;
    while start < n {
        let id = ids[start];
        let mut end = start + 1;
        while end < n && ids[end] == id {
            end += 1;
        }
        if end < n && ids[end] < id {
            return Err(c.err("segment ids are not increasing"));
        }
        if id < 0 || id as usize >= rows {
            return Err(c.err(format!(
                "Segment id {id} out of range [0, {rows}), possibly because segmentIds input is not sorted."
            )));
        }
        let w = if mean { 1.0 / (end - start) as f32 } else { 1.0 };
        for (i, &index) in indices.iter().enumerate().take(end).skip(start) {
            if index < 0 || index as usize >= in_rows {
                return Err(c.err(format!("Bad: indices[{i}] == {index} out of range [0, {in_rows})")));
            }
            weights[id as usize * n + i] = w;
        }
        start = end;
    }
    let mut shape = data_t.shape().to_vec();
    shape[0] = rows;
    let cols = shape[1..].iter().product::<usize>();
    let picked = data_t
        .reshape(&[in_rows as isize, cols as isize])?
        .gather(&c.upload(i32s(&indices), &[n])?, 0)?
        .cast(DType::F32)?;
    let sum = c
        .upload(HostData::F32(weights), &[rows, n])?
        .matmul(&picked, false, false)?;
    let shape: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    Ok(vec![sum.cast(data_t.dtype())?.reshape(&shape)?])
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("SparseReshape", reshape),
    ("SparseFillEmptyRows", fill_empty_rows),
    ("SparseSegmentSum", |c| segment(c, false)),
    ("SparseSegmentMean", |c| segment(c, true)),
];
