//! Cumulative (scan) ops, composed from primitives as a Hillis-Steele scan: log2(n) rounds, each
//! adding the running result shifted by 1, 2, 4, ... along the axis (a zero-padded slice), so
//! every backend runs them and gradients come from the composition.

use crate::dtype::DType;
use crate::ops::prim;
use crate::shape::normalize_axis;
use crate::tensor::Tensor;
use crate::Result;

/// `x` shifted `by` places towards higher indices along `axis`, zeros entering at index 0.
fn shifted(x: &Tensor, axis: usize, by: usize) -> Result<Tensor> {
    let n = x.shape()[axis];
    let mut pads = vec![(0, 0); x.rank()];
    pads[axis] = (by.min(n), 0);
    let padded = prim::pad(x, &pads)?;
    let start = vec![0; x.rank()];
    let steps = vec![1; x.rank()];
    prim::slice(&padded, &start, x.shape(), &steps)
}

impl Tensor {
    /// Cumulative sum along `axis` (TF.js `cumsum(x, axis = 0, exclusive = false, reverse =
    /// false)`): `exclusive` leaves each element out of its own sum, `reverse` sums from the end.
    /// bool sums as int32, as TF.js does.
    pub fn cumsum(&self, axis: isize, exclusive: bool, reverse: bool) -> Result<Tensor> {
        let a = normalize_axis("cumsum", axis, self.rank())?;
        let mut x = match self.dtype() {
            DType::Bool => self.cast(DType::I32)?,
            _ => self.clone(),
        };
        if reverse {
            x = prim::flip(&x, &[a])?;
        }
        if exclusive {
            x = shifted(&x, a, 1)?;
        }
        let n = x.shape()[a];
        let mut by = 1;
        while by < n {
            x = prim::binary(&x, &shifted(&x, a, by)?, crate::ir::BinaryOp::Add)?;
            by *= 2;
        }
        if reverse {
            x = prim::flip(&x, &[a])?;
        }
        Ok(x)
    }
}
