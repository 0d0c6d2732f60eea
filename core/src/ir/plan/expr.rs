//! A kernel [`Expr`] checked once for every renderer: operands refer to earlier nodes, loads read
//! through views of the expression's shape, the accumulator only where a template provides it,
//! and each input slot is read as one dtype. Renderers then write one statement per [`Step`].

use super::index::ViewIndex;
use super::{Rejection, Result};
use crate::dtype::{DType, Scalar};
use crate::ir::{BinaryOp, Expr, ExprOp, Source, UnaryOp};

/// An expression ready to render as a function of the multi-index `i0, i1, ..`.
#[derive(Debug, Clone)]
pub struct ExprPlan<'k> {
    pub expr: &'k Expr,
    /// The dtype read from each input slot (`None`: the slot is not read as data).
    pub inputs: Vec<Option<DType>>,
    /// One per expression node, in order (never empty); the value is the last.
    pub steps: Vec<Step>,
    /// Whether the function takes the template's result as a last parameter (epilogues), which
    /// `Source::Accumulator` loads read.
    pub accumulator: bool,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// The dtype this step produces.
    pub dtype: DType,
    pub op: StepOp,
}

/// An expression node with its operands' dtypes resolved and its view's index terms computed.
#[derive(Debug, Clone)]
pub enum StepOp {
    Load {
        src: Source,
        index: ViewIndex,
    },
    Const(Scalar),
    Unary {
        op: UnaryOp,
        arg: usize,
        arg_dtype: DType,
    },
    /// Both operands have `operand_dtype`.
    Binary {
        op: BinaryOp,
        lhs: usize,
        rhs: usize,
        operand_dtype: DType,
    },
    Where {
        cond: usize,
        then: usize,
        otherwise: usize,
    },
    Cast {
        arg: usize,
        from: DType,
    },
}

impl ExprPlan<'_> {
    pub fn rank(&self) -> usize {
        self.expr.shape.len()
    }

    pub fn shape(&self) -> &[usize] {
        &self.expr.shape
    }

    /// The dtype of the expression's value.
    pub fn dtype(&self) -> DType {
        self.expr.dtype()
    }

    /// The step holding the expression's value.
    pub fn result(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }
}

/// Plans `expr` for a kernel of `num_inputs` inputs; `accumulator` for an epilogue.
pub(super) fn plan(expr: &Expr, num_inputs: usize, accumulator: bool) -> Result<ExprPlan<'_>> {
    let inputs = input_dtypes(expr, num_inputs)?;
    let mut steps = Vec::with_capacity(expr.nodes.len());
    for (i, node) in expr.nodes.iter().enumerate() {
        let operand = |j: usize| match expr.nodes.get(j) {
            Some(n) if j < i => Ok(n.dtype),
            _ => Err(Rejection::unsupported(format!("node {i} uses later node {j}"))),
        };
        let op = match &node.op {
            ExprOp::Load { src, view } => {
                if view.shape != expr.shape {
                    return Err(Rejection::unsupported(format!(
                        "load view shape {:?} differs from the expression shape {:?}",
                        view.shape, expr.shape
                    )));
                }
                if *src == Source::Accumulator && !(accumulator && view.is_contiguous() && node.dtype == DType::F32) {
                    return Err(Rejection::unsupported(
                        "accumulator load outside an epilogue or through a non-identity view",
                    ));
                }
                StepOp::Load {
                    src: src.clone(),
                    index: ViewIndex::of(view)?,
                }
            }
            ExprOp::Const(c) => {
                if c.dtype() != node.dtype {
                    return Err(Rejection::unsupported(format!(
                        "constant {c:?} in a {} node",
                        node.dtype
                    )));
                }
                StepOp::Const(*c)
            }
            ExprOp::Unary(op, a) => StepOp::Unary {
                op: *op,
                arg: *a,
                arg_dtype: operand(*a)?,
            },
            ExprOp::Binary(op, a, b) => {
                let (da, db) = (operand(*a)?, operand(*b)?);
                if da != db {
                    return Err(Rejection::unsupported(format!("binary {} on {da} and {db}", op.name())));
                }
                StepOp::Binary {
                    op: *op,
                    lhs: *a,
                    rhs: *b,
                    operand_dtype: da,
                }
            }
            ExprOp::Where(c, a, b) => {
                for j in [*c, *a, *b] {
                    operand(j)?;
                }
                StepOp::Where {
                    cond: *c,
                    then: *a,
                    otherwise: *b,
                }
            }
            ExprOp::Cast(a) => StepOp::Cast {
                arg: *a,
                from: operand(*a)?,
            },
        };
        steps.push(Step { dtype: node.dtype, op });
    }
    if steps.is_empty() {
        return Err(Rejection::unsupported("empty expression"));
    }
    Ok(ExprPlan {
        expr,
        inputs,
        steps,
        accumulator,
    })
}

/// The dtypes the expression reads from each input slot (`None`: slot not read as data).
fn input_dtypes(expr: &Expr, num_inputs: usize) -> Result<Vec<Option<DType>>> {
    let mut types = vec![None; num_inputs];
    for node in &expr.nodes {
        let ExprOp::Load { src, .. } = &node.op else { continue };
        let (slot, dtype) = match src {
            Source::Input(i) => (*i, node.dtype),
            Source::Rand { seed_input } => (*seed_input, DType::I32),
            _ => continue,
        };
        let entry = types
            .get_mut(slot)
            .ok_or_else(|| Rejection::unsupported(format!("load from input {slot} of a {num_inputs}-input kernel")))?;
        match entry {
            Some(d) if *d != dtype => {
                return Err(Rejection::unsupported(format!(
                    "input {slot} read as both {d} and {dtype}"
                )));
            }
            _ => *entry = Some(dtype),
        }
    }
    Ok(types)
}
