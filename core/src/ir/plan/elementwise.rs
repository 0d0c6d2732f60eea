//! `out[i] = expr(i)`: one invocation per output element.

use super::expr::{self, ExprPlan};
use super::{checked_u32, Rejection, Result};
use crate::ir::{Expr, Kernel};

#[derive(Debug, Clone)]
pub struct ElementwisePlan<'k> {
    pub expr: ExprPlan<'k>,
    /// Output elements (one invocation each).
    pub outputs: u32,
}

pub(super) fn plan<'k>(kernel: &Kernel, expr: &'k Expr, outputs: usize) -> Result<ElementwisePlan<'k>> {
    if expr.shape != kernel.out_shape || expr.dtype() != kernel.out_dtype {
        return Err(Rejection::unsupported(
            "elementwise expression shape or dtype differs from the output",
        ));
    }
    Ok(ElementwisePlan {
        expr: expr::plan(expr, kernel.num_inputs, false)?,
        outputs: checked_u32(outputs)?,
    })
}
