//! A conv operand as the kernel hands it over: a buffer read through an unmasked rank-4 view.
//! The convolution strategies work on the contiguous layout (NHWC input, HWIO filter); other
//! views either take the filter-gradient path (`filter_grad.rs`) or are gathered into a
//! contiguous copy first.

use ferroflow_core::ir::View;
use ferroflow_core::Result;

use crate::cpu::alloc::alloc_dirty;
use crate::cpu::bounds::{check_range, mul_all, offset_range};
use crate::cpu::err;
use crate::cpu::load::{coalesce, fill_input};

/// One operand's view, checked at build time.
#[derive(Debug, Clone)]
pub(crate) struct Operand {
    pub dims: [usize; 4],
    pub offset: isize,
    pub strides: [isize; 4],
    /// Smallest and largest offset read (None when the operand is empty).
    range: Option<(isize, isize)>,
    pub len: usize,
    view: View,
}

impl Operand {
    pub(crate) fn of(what: &str, view: &View) -> Result<Operand> {
        let (dims, strides) = match (&view.shape[..], &view.strides[..]) {
            (&[a, b, c, d], &[sa, sb, sc, sd]) => ([a, b, c, d], [sa, sb, sc, sd]),
            _ => return Err(err(format!("conv {what}: needs a rank-4 view, got {:?}", view.shape))),
        };
        if view.mask.is_some() {
            return Err(err(format!("conv {what}: masked views are not accepted")));
        }
        Ok(Operand {
            dims,
            offset: view.offset,
            strides,
            range: offset_range(&format!("conv {what}"), view)?,
            len: mul_all(&format!("conv {what}"), &dims)?,
            view: view.clone(),
        })
    }

    /// Row-major over `dims` from offset 0: the layout the strategies index directly.
    pub(crate) fn is_contiguous(&self) -> bool {
        let [_, b, c, d] = self.dims;
        let want = [(b * c * d) as isize, (c * d) as isize, d as isize, 1];
        self.offset == 0 && (0..4).all(|i| self.dims[i] <= 1 || self.strides[i] == want[i])
    }

    /// Checks that every offset the view reads lies in a buffer of `len` elements.
    pub(crate) fn check(&self, what: &str, len: usize) -> Result<()> {
        check_range(&format!("conv {what}"), self.range, len)
    }

    /// The operand's elements in row-major order (a copy through the view, by the loads'
    /// strided walker).
    pub(crate) fn gather(&self, src: &[f32]) -> Result<Vec<f32>> {
        let mut out = alloc_dirty::<f32>(self.len)?;
        let (shape, strided) = coalesce(&self.view.shape, &[&self.view]);
        let sv = strided.first().ok_or_else(|| err("conv: internal gather of no view"))?;
        fill_input(sv, &shape, 0, src, &mut out);
        Ok(out)
    }
}
