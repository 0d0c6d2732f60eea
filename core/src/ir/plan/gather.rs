//! Gather and scatter-add: one invocation per output element over `[outer, axis, inner]`.

use super::{checked_u32, Rejection, Result};
use crate::dtype::DType;
use crate::ir::Kernel;

/// A gather (`out[o, j, i] = x[o, idx[j], i]`) or a scatter-add written as a gather over the
/// indices (`out[o, a, i]` sums `upd[o, j, i]` over the `j` with `idx[j] == a`). Input 0 holds
/// the data (`dtype`), input 1 the i32 indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatherPlan {
    pub outer: u32,
    pub axis_len: u32,
    pub n_idx: u32,
    pub inner: u32,
    /// Output elements (one invocation each).
    pub outputs: u32,
    pub dtype: DType,
}

impl GatherPlan {
    /// The dtypes the kernel reads: the data, then the indices.
    pub fn inputs(&self) -> Vec<Option<DType>> {
        vec![Some(self.dtype), Some(DType::I32)]
    }
}

/// `dims`: `[outer, axis_len, n_idx, inner]`.
pub(super) fn plan_gather(kernel: &Kernel, dims: [usize; 4], outputs: usize) -> Result<GatherPlan> {
    // The output's middle dim is the indices, the data's the axis.
    plan(kernel, dims, outputs, [dims[2], dims[1]], "gather")
}

/// `dims`: `[outer, axis_len, n_idx, inner]`.
pub(super) fn plan_scatter_add(kernel: &Kernel, dims: [usize; 4], outputs: usize) -> Result<GatherPlan> {
    // The output's middle dim is the axis, the updates' the indices.
    plan(kernel, dims, outputs, [dims[1], dims[2]], "scatterAdd")
}

/// `[out_mid, data_mid]`: the middle dims of the output and of the data input (input 0).
fn plan(
    kernel: &Kernel,
    dims: [usize; 4],
    outputs: usize,
    [out_mid, data_mid]: [usize; 2],
    name: &str,
) -> Result<GatherPlan> {
    let [outer, axis_len, n_idx, inner] = dims.map(checked_u32);
    let (outer, axis_len, n_idx, inner) = (outer?, axis_len?, n_idx?, inner?);
    let [o, i] = [dims[0], dims[3]];
    if o.checked_mul(out_mid).and_then(|n| n.checked_mul(i)) != Some(outputs) {
        return Err(Rejection::unsupported(format!("{name} output size")));
    }
    // The data is indexed in 32 bits too.
    checked_u32(o.saturating_mul(data_mid).saturating_mul(i))?;
    if kernel.num_inputs != 2 {
        return Err(Rejection::unsupported(
            "gather/scatter kernels take data and int32 indices",
        ));
    }
    Ok(GatherPlan {
        outer,
        axis_len,
        n_idx,
        inner,
        outputs: checked_u32(outputs)?,
        dtype: kernel.out_dtype,
    })
}
