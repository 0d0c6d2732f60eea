//! `TensorList*` ops (category control), as TF.js runs them: a list is mutable state named by
//! its handle, element shapes are merged and completed from the elements (`infer`), and the
//! messages are TF.js's.

use super::resources::{
    check_match, check_tensor, dtype_name, empty, infer, shape_of, split_rows, ElemShape, Resource, TensorList,
};
use super::{one, Ctx, Kernel};
use crate::dtype::DType;
use crate::ops::movement::{concat, stack};
use crate::tensor::Tensor;
use crate::{Error, Result};

fn err(msg: String) -> Error {
    Error::invalid("TensorList", msg)
}

fn as_isize(s: &[usize]) -> Vec<isize> {
    s.iter().map(|&d| d as isize).collect()
}

impl TensorList {
    fn check_dtype(&self, op: DType) -> Result<()> {
        if op != self.dtype {
            return Err(err(format!(
                "Invalid data types; op elements {}, but list elements {}",
                dtype_name(op),
                dtype_name(self.dtype)
            )));
        }
        Ok(())
    }

    fn set(&mut self, index: i64, t: Tensor) -> Result<()> {
        self.check_dtype(t.dtype())?;
        let i = usize::try_from(index)
            .ok()
            .filter(|&i| self.max_elements.is_none_or(|m| i < m) && i <= 1 << 24)
            .ok_or_else(|| {
                err(format!(
                    "Trying to set element {index} in a list with max {} elements.",
                    self.max_elements.map_or(-1, |m| m as i64)
                ))
            })?;
        check_tensor(&self.element_shape, &t, "TensorList shape mismatch: ")?;
        if self.tensors.len() <= i {
            self.tensors.resize(i + 1, None);
        }
        self.tensors[i] = Some(t);
        Ok(())
    }

    /// Every element, each reshaped to the inferred element shape.
    fn elements(&self, op_shape: &ElemShape) -> Result<(Vec<usize>, Vec<Tensor>)> {
        let shape = infer(&self.element_shape, &self.tensors, op_shape)?;
        let ts = self
            .tensors
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.as_ref()
                    .ok_or_else(|| err(format!("element at index {i} is null.")))?
                    .reshape(&as_isize(&shape))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((shape, ts))
    }
}

fn element_dtype(c: &Ctx) -> Result<DType> {
    c.node
        .attr_dtype("element_dtype")?
        .ok_or_else(|| c.err("the node has no element_dtype"))
}

fn new_list(c: &Ctx, l: TensorList) -> Result<Vec<Tensor>> {
    one(c.new_handle(0, Resource::List(l)))
}

fn same_handle(c: &Ctx) -> Result<Vec<Tensor>> {
    let id = c.int(0)?;
    one(c.handle_tensor(0, id as i32))
}

/// `TensorListReserve(element_shape, num_elements)` / `EmptyTensorList(element_shape,
/// max_num_elements)`: TF.js reserves no slots either way; only the empty list has a limit.
fn reserve(c: &Ctx) -> Result<Vec<Tensor>> {
    let limit = c.int(1)?;
    let max_elements = if c.node.op == "EmptyTensorList" && limit >= 0 {
        Some(limit as usize)
    } else {
        None
    };
    new_list(
        c,
        TensorList {
            tensors: vec![],
            element_shape: c.elem_shape(0)?,
            dtype: element_dtype(c)?,
            max_elements,
        },
    )
}

fn from_tensor(c: &Ctx) -> Result<Vec<Tensor>> {
    let t = c.x(0)?;
    if t.rank() < 1 {
        return Err(c.err(format!(
            "Tensor must be at least a vector, but saw shape: {:?}",
            t.shape()
        )));
    }
    let dtype = element_dtype(c)?;
    if t.dtype() != dtype {
        return Err(err(format!(
            "Invalid data types; op elements {}, but list elements {}",
            dtype_name(t.dtype()),
            dtype_name(dtype)
        )));
    }
    let element_shape = c.elem_shape(1)?;
    let rows: ElemShape = Some(t.shape()[1..].iter().map(|&d| d as i64).collect());
    check_match(&rows, &element_shape, "TensorList shape mismatch: ")?;
    let tensors = crate::ops::api::unstack(t, 0)?.into_iter().map(Some).collect();
    new_list(
        c,
        TensorList {
            tensors,
            element_shape,
            dtype,
            max_elements: None,
        },
    )
}

/// `TensorListScatter(tensor, indices, element_shape)` (V2 adds `num_elements`).
fn scatter(c: &Ctx) -> Result<Vec<Tensor>> {
    let (t, indices) = (c.x(0)?, c.ints(1)?);
    let rows = t.shape().first().copied().unwrap_or(0);
    if indices.len() != rows {
        return Err(err(format!(
            "Expected len(indices) == tensor.shape[0], but saw: {} vs. {rows}",
            indices.len()
        )));
    }
    let num = if c.node.op == "TensorListScatterV2" {
        c.int(3)?
    } else {
        -1
    };
    let max = indices.iter().copied().max().unwrap_or(i64::MIN);
    if num != -1 && max >= num {
        return Err(err(format!("Max index must be < array size ({max}  vs. {num})")));
    }
    let mut l = TensorList {
        tensors: vec![],
        element_shape: c.elem_shape(2)?,
        dtype: t.dtype(),
        max_elements: usize::try_from(num).ok(),
    };
    for (&i, row) in indices.iter().zip(crate::ops::api::unstack(t, 0)?) {
        l.set(i, row)?;
    }
    new_list(c, l)
}

/// `TensorListSplit(tensor, element_shape, lengths)`.
fn split(c: &Ctx) -> Result<Vec<Tensor>> {
    let t = c.x(0)?;
    let (element_shape, lengths) = (c.elem_shape(1)?, c.sizes(2, "a length")?);
    let rest: ElemShape = Some(t.shape()[1..].iter().map(|&d| d as i64).collect());
    let part_shape: Vec<isize> = match infer(&rest, &[], &element_shape) {
        Ok(s) => as_isize(&s),
        Err(_) => vec![-1],
    };
    let mut l = TensorList {
        tensors: vec![],
        element_shape,
        dtype: t.dtype(),
        max_elements: Some(lengths.len()),
    };
    for (i, part) in split_rows(t, &lengths, &part_shape)?.into_iter().enumerate() {
        l.set(i as i64, part)?;
    }
    new_list(c, l)
}

fn set_item(c: &Ctx) -> Result<Vec<Tensor>> {
    let (index, t) = (c.int(1)?, c.x(2)?.clone());
    c.with_list(0, |l| l.set(index, t))?;
    same_handle(c)
}

fn get_item(c: &Ctx) -> Result<Vec<Tensor>> {
    let (index, op_shape, dtype) = (c.int(1)?, c.elem_shape(2)?, element_dtype(c)?);
    one(c.with_list(0, |l| {
        l.check_dtype(dtype)?;
        let n = l.tensors.len();
        if index < 0 || index as usize > n {
            return Err(err(format!(
                "Trying to access element {index} in a list with {n} elements."
            )));
        }
        let t = l
            .tensors
            .get(index as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| err(format!("element at index {index} is null.")))?;
        check_match(&shape_of(&t), &op_shape, "TensorList shape mismatch: ")?;
        let shape = infer(&l.element_shape, &l.tensors, &op_shape)?;
        t.reshape(&as_isize(&shape))
    }))
}

fn stack_all(c: &Ctx) -> Result<Vec<Tensor>> {
    let (op_shape, dtype) = (c.elem_shape(1)?, element_dtype(c)?);
    one(c.with_list(0, |l| {
        l.check_dtype(dtype)?;
        check_match(&op_shape, &l.element_shape, "TensorList shape mismatch: ")?;
        let (shape, ts) = l.elements(&op_shape)?;
        if ts.is_empty() {
            return empty(c, &shape, l.dtype);
        }
        stack(&ts, 0)
    }))
}

fn gather(c: &Ctx) -> Result<Vec<Tensor>> {
    let (indices, op_shape, dtype) = (c.ints(1)?, c.elem_shape(2)?, element_dtype(c)?);
    one(c.with_list(0, |l| {
        l.check_dtype(dtype)?;
        check_match(&l.element_shape, &op_shape, "TensorList shape mismatch: ")?;
        let n = indices.len().min(l.tensors.len());
        let shape = infer(&l.element_shape, &l.tensors, &op_shape)?;
        if n == 0 {
            return empty(c, &shape, l.dtype);
        }
        let ts = indices[..n]
            .iter()
            .map(|&i| {
                let t = usize::try_from(i)
                    .ok()
                    .and_then(|i| l.tensors.get(i).cloned().flatten())
                    .ok_or_else(|| err(format!("element at index {i} is null.")))?;
                t.reshape(&as_isize(&shape))
            })
            .collect::<Result<Vec<_>>>()?;
        stack(&ts, 0)
    }))
}

fn concat_all(c: &Ctx) -> Result<Vec<Tensor>> {
    let dtype = c.node.attr_dtype("element_dtype")?;
    let op_shape = c.attr_elem_shape("element_shape");
    one(c.with_list(0, |l| {
        if let Some(d) = dtype.filter(|&d| d != l.dtype) {
            return Err(err(format!(
                "TensorList dtype is {} but concat requested dtype {}",
                dtype_name(l.dtype),
                dtype_name(d)
            )));
        }
        check_match(&l.element_shape, &op_shape, "TensorList shape mismatch: ")?;
        let (shape, ts) = l.elements(&op_shape)?;
        if ts.is_empty() {
            return empty(c, &shape, l.dtype);
        }
        concat(&ts, 0)
    }))
}

fn push_back(c: &Ctx) -> Result<Vec<Tensor>> {
    let t = c.x(1)?.clone();
    c.with_list(0, |l| {
        if t.dtype() != l.dtype {
            return Err(err(format!(
                "Invalid data types; op elements {}, but list elements {}",
                dtype_name(t.dtype()),
                dtype_name(l.dtype)
            )));
        }
        check_match(&shape_of(&t), &l.element_shape, "TensorList shape mismatch: ")?;
        if l.max_elements == Some(l.tensors.len()) {
            return Err(err("Trying to push element into a full list.".into()));
        }
        l.tensors.push(Some(t));
        Ok(())
    })?;
    same_handle(c)
}

/// TF.js gives the element as output 0, TensorFlow as output 1 (after the handle): both read it.
fn pop_back(c: &Ctx) -> Result<Vec<Tensor>> {
    let (op_shape, dtype) = (c.elem_shape(1)?, element_dtype(c)?);
    let t = c.with_list(0, |l| {
        l.check_dtype(dtype)?;
        if l.tensors.is_empty() {
            return Err(err("Trying to pop from an empty list.".into()));
        }
        let shape = infer(&l.element_shape, &l.tensors, &op_shape)?;
        let t = l
            .tensors
            .pop()
            .flatten()
            .ok_or_else(|| err("the last element was never set".into()))?;
        check_match(&shape_of(&t), &op_shape, "TensorList shape mismatch: ")?;
        t.reshape(&as_isize(&shape))
    })?;
    Ok(vec![t.clone(), t])
}

fn length(c: &Ctx) -> Result<Vec<Tensor>> {
    let n = c.with_list(0, |l| Ok(l.tensors.len()))?;
    one(c.known_int(0, n))
}

fn resize(c: &Ctx) -> Result<Vec<Tensor>> {
    let size = c.int(1)?;
    let l = c.with_list(0, |l| {
        if size < 0 {
            return Err(err(format!(
                "TensorListResize expects size to be non-negative. Got: {size}"
            )));
        }
        let size = size as usize;
        if l.max_elements.is_some_and(|m| size > m) || size > 1 << 24 {
            return Err(err(format!(
                "TensorListResize input size {size} is greater maxNumElement {}.",
                l.max_elements.map_or(-1, |m| m as i64)
            )));
        }
        let mut tensors: Vec<Option<Tensor>> = l.tensors.iter().take(size).cloned().collect();
        tensors.resize(size, None);
        Ok(TensorList {
            tensors,
            element_shape: l.element_shape.clone(),
            dtype: l.dtype,
            max_elements: l.max_elements,
        })
    })?;
    new_list(c, l)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("TensorListReserve", reserve),
    ("EmptyTensorList", reserve),
    ("TensorListFromTensor", from_tensor),
    ("TensorListScatter", scatter),
    ("TensorListScatterV2", scatter),
    ("TensorListSplit", split),
    ("TensorListSetItem", set_item),
    ("TensorListGetItem", get_item),
    ("TensorListStack", stack_all),
    ("TensorListGather", gather),
    ("TensorListConcat", concat_all),
    ("TensorListConcatV2", concat_all),
    ("TensorListPushBack", push_back),
    ("TensorListPopBack", pop_back),
    ("TensorListLength", length),
    ("TensorListResize", resize),
];
