//! Gather and scatter-add along one axis of a contiguous `[outer, axis, inner]` layout.

use ferroflow_core::{DType, HostData, Result};

use crate::cpu::alloc::alloc;
use crate::cpu::bounds::mul_all;
use crate::cpu::elem::Elem;
use crate::cpu::err;
use crate::cpu::par;

/// `out[o, j, i] = x[o, idx[j], i]`, zero for indices outside `0..axis_len`.
#[derive(Debug, Clone)]
pub(crate) struct GatherPlan {
    outer: usize,
    axis_len: usize,
    n_idx: usize,
    inner: usize,
    x_len: usize,
    out_len: usize,
    dtype: DType,
}

fn index_data<'a>(inputs: &[&'a HostData], n_idx: usize, op: &str) -> Result<&'a [i32]> {
    match inputs.get(1) {
        Some(HostData::I32(v)) if v.len() == n_idx => Ok(v),
        Some(HostData::I32(v)) => Err(err(format!("{op}: {} indices, expected {n_idx}", v.len()))),
        _ => Err(err(format!("{op}: indices must be an int32 input 1"))),
    }
}

#[inline]
fn in_range(ix: i32, len: usize) -> Option<usize> {
    usize::try_from(ix).ok().filter(|&i| i < len)
}

impl GatherPlan {
    pub(crate) fn build(
        outer: usize,
        axis_len: usize,
        n_idx: usize,
        inner: usize,
        out_shape: &[usize],
        dtype: DType,
    ) -> Result<GatherPlan> {
        let out_len = mul_all("gather", &[outer, n_idx, inner])?;
        if mul_all("gather", out_shape)? != out_len {
            return Err(err(format!(
                "gather: output {out_shape:?} does not hold {outer}x{n_idx}x{inner} elements"
            )));
        }
        let x_len = mul_all("gather", &[outer, axis_len, inner])?;
        Ok(GatherPlan {
            outer,
            axis_len,
            n_idx,
            inner,
            x_len,
            out_len,
            dtype,
        })
    }

    pub(crate) fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        let idx = index_data(inputs, self.n_idx, "gather")?;
        let x = inputs.first().ok_or_else(|| err("gather: missing input 0"))?;
        if x.dtype() != self.dtype || x.len() != self.x_len {
            return Err(err(format!(
                "gather: input is {} x {}, expected {} x {}",
                x.dtype(),
                x.len(),
                self.dtype,
                self.x_len
            )));
        }
        match x {
            HostData::F32(v) => self.typed(v, idx),
            HostData::I32(v) => self.typed(v, idx),
            HostData::Bool(v) => self.typed(v, idx),
        }
    }

    fn typed<T: Elem>(&self, x: &[T], idx: &[i32]) -> Result<HostData> {
        let mut out = alloc(self.out_len, T::default())?;
        if self.out_len == 0 {
            return Ok(T::into_host(out));
        }
        let (inner, n_idx, axis_len) = (self.inner, self.n_idx, self.axis_len);
        let rows = self.outer * n_idx;
        let chunk = par::chunk_len(rows, inner, 1, 1);
        par::try_chunks_mut(&mut out, chunk * inner, |ci, dst| {
            for (ri, row) in dst.chunks_mut(inner).enumerate() {
                let r = ci * chunk + ri;
                let (o, j) = (r / n_idx, r % n_idx);
                let src = idx
                    .get(j)
                    .and_then(|&ix| in_range(ix, axis_len))
                    .and_then(|ix| x.get((o * axis_len + ix) * inner..(o * axis_len + ix + 1) * inner));
                match src {
                    Some(s) => row.copy_from_slice(s),
                    None => row.fill(T::default()),
                }
            }
            Ok(())
        })?;
        Ok(T::into_host(out))
    }
}

/// Zero-filled `[outer, axis_len, inner]`, then `out[o, idx[j], i] += upd[o, j, i]`, dropping
/// out-of-range indices. Bool updates combine with logical or.
#[derive(Debug, Clone)]
pub(crate) struct ScatterAddPlan {
    outer: usize,
    n_idx: usize,
    inner: usize,
    axis_len: usize,
    upd_len: usize,
    out_len: usize,
    dtype: DType,
}

impl ScatterAddPlan {
    pub(crate) fn build(
        outer: usize,
        n_idx: usize,
        inner: usize,
        axis_len: usize,
        out_shape: &[usize],
        dtype: DType,
    ) -> Result<ScatterAddPlan> {
        let out_len = mul_all("scatterAdd", &[outer, axis_len, inner])?;
        if mul_all("scatterAdd", out_shape)? != out_len {
            return Err(err(format!(
                "scatterAdd: output {out_shape:?} does not hold {outer}x{axis_len}x{inner} elements"
            )));
        }
        let upd_len = mul_all("scatterAdd", &[outer, n_idx, inner])?;
        Ok(ScatterAddPlan {
            outer,
            n_idx,
            inner,
            axis_len,
            upd_len,
            out_len,
            dtype,
        })
    }

    pub(crate) fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        let idx = index_data(inputs, self.n_idx, "scatterAdd")?;
        let u = inputs.first().ok_or_else(|| err("scatterAdd: missing input 0"))?;
        if u.dtype() != self.dtype || u.len() != self.upd_len {
            return Err(err(format!(
                "scatterAdd: updates are {} x {}, expected {} x {}",
                u.dtype(),
                u.len(),
                self.dtype,
                self.upd_len
            )));
        }
        match u {
            HostData::F32(v) => self.typed(v, idx, |a: f32, b: f32| a + b),
            HostData::I32(v) => self.typed(v, idx, i32::wrapping_add),
            HostData::Bool(v) => self.typed(v, idx, |a: bool, b: bool| a | b),
        }
    }

    fn typed<T: Elem>(&self, upd: &[T], idx: &[i32], add: impl Fn(T, T) -> T + Sync + Send) -> Result<HostData> {
        let mut out = alloc(self.out_len, T::default())?;
        if self.out_len == 0 || self.inner == 0 {
            return Ok(T::into_host(out));
        }
        let (inner, n_idx, axis_len) = (self.inner, self.n_idx, self.axis_len);
        let plane = axis_len * inner;
        let chunk = par::chunk_len(self.outer, n_idx.saturating_mul(inner), 1, 1);
        par::try_chunks_mut(&mut out, chunk * plane, |ci, dst| {
            for (oi, pl) in dst.chunks_mut(plane).enumerate() {
                let o = ci * chunk + oi;
                for (j, &ix) in idx.iter().enumerate() {
                    let Some(ix) = in_range(ix, axis_len) else { continue };
                    let s = (o * n_idx + j) * inner;
                    let (Some(src), Some(d)) = (upd.get(s..s + inner), pl.get_mut(ix * inner..(ix + 1) * inner)) else {
                        return Err(err("scatterAdd: internal index out of range"));
                    };
                    for (a, &b) in d.iter_mut().zip(src) {
                        *a = add(*a, b);
                    }
                }
            }
            Ok(())
        })?;
        Ok(T::into_host(out))
    }
}
