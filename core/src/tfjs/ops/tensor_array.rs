//! `TensorArrayV3` and the ops on it (category control), with TF.js's semantics and messages:
//! slots written once, read once where `clear_after_read`, a size that is the highest written
//! index plus one, and the element shape taken from the first write when unknown.

use super::resources::{check_tensor, dtype_name, empty, split_rows, Resource, Slot, TensorArray};
use super::{one, Ctx, Kernel};
use crate::dtype::DType;
use crate::ops::movement::{concat, stack};
use crate::tensor::Tensor;
use crate::{Error, Result};

fn err(msg: String) -> Error {
    Error::invalid("TensorArray", msg)
}

impl TensorArray {
    fn read(&mut self, index: i64) -> Result<Tensor> {
        if self.closed {
            return Err(err(format!("TensorArray {} has already been closed.", self.name)));
        }
        let size = self.slots.len();
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or_else(|| err(format!("Tried to read from index {index}, but array size is: {size}")))?;
        if slot.cleared {
            return Err(err(format!(
                "TensorArray {}: Could not read index {index} twice because it was cleared after a previous read (perhaps try setting clear_after_read = false?).",
                self.name
            )));
        }
        let t = slot
            .tensor
            .clone()
            .ok_or_else(|| err(format!("TensorArray {}: index {index} was never written", self.name)))?;
        slot.cleared = self.clear_after_read;
        slot.read = true;
        Ok(t)
    }

    fn write(&mut self, index: i64, t: Tensor) -> Result<()> {
        if self.closed {
            return Err(err(format!("TensorArray {} has already been closed.", self.name)));
        }
        let i = usize::try_from(index)
            .ok()
            .filter(|&i| self.dynamic_size || i < self.max_size)
            .ok_or_else(|| {
                err(format!(
                    "Tried to write to index {index}, but array is not resizeable and size is: {}",
                    self.max_size
                ))
            })?;
        if t.dtype() != self.dtype {
            return Err(err(format!(
                "TensorArray {}: Could not write to TensorArray index {index}, because the value dtype is {}, but TensorArray dtype is {}.",
                self.name,
                dtype_name(t.dtype()),
                dtype_name(self.dtype)
            )));
        }
        if self.slots.is_empty() && self.element_shape.as_ref().is_none_or(Vec::is_empty) {
            self.element_shape = Some(t.shape().iter().map(|&d| d as i64).collect());
        }
        check_tensor(
            &self.element_shape,
            &t,
            &format!(
                "TensorArray {}: Could not write to TensorArray index {index}.",
                self.name
            ),
        )?;
        if i > 1 << 24 {
            return Err(err(format!("TensorArray {}: index {index} is too large", self.name)));
        }
        if self.slots.len() <= i {
            self.slots.resize(i + 1, Slot::default());
        }
        let slot = &mut self.slots[i];
        if slot.read {
            return Err(err(format!(
                "TensorArray {}: Could not write to TensorArray index {index}, because it has already been read.",
                self.name
            )));
        }
        if slot.tensor.is_some() {
            return Err(err(format!(
                "TensorArray {}: Could not write to TensorArray index {index}, because it has already been written.",
                self.name
            )));
        }
        slot.tensor = Some(t);
        Ok(())
    }

    fn check_dtype(&self, want: Option<DType>, what: &str) -> Result<()> {
        match want {
            Some(d) if d != self.dtype => Err(err(format!(
                "TensorArray dtype is {} but {what} requested dtype {}",
                dtype_name(self.dtype),
                dtype_name(d)
            ))),
            _ => Ok(()),
        }
    }

    /// The element shape of an empty result (`[0, ...element]`).
    fn known_element(&self) -> Vec<usize> {
        self.element_shape
            .iter()
            .flatten()
            .map(|&d| d.max(0) as usize)
            .collect()
    }

    fn check_value_dtype(&self, t: &Tensor) -> Result<()> {
        if t.dtype() != self.dtype {
            return Err(err(format!(
                "TensorArray dtype is {} but tensor has dtype {}",
                dtype_name(self.dtype),
                dtype_name(t.dtype())
            )));
        }
        Ok(())
    }
}

fn create(c: &Ctx) -> Result<Vec<Tensor>> {
    let size = c.int(0)?;
    let max_size = c.size(size, "the TensorArray size")?;
    let dtype = c.node.attr_dtype("dtype")?.unwrap_or(DType::F32);
    let a = TensorArray {
        name: c.node.attr_str_or("tensor_array_name", Some(""))?.unwrap_or_default(),
        dtype,
        max_size,
        element_shape: c.attr_elem_shape("element_shape"),
        dynamic_size: c.node.attr_bool("dynamic_size", false),
        clear_after_read: c.node.attr_bool("clear_after_read", true),
        slots: vec![],
        closed: false,
    };
    let handle = c.new_handle(0, Resource::Array(a))?;
    // The flow value: TF.js gives a scalar 1.
    let flow = c.upload(crate::dtype::HostData::F32(vec![1.0]), &[])?;
    Ok(vec![handle, flow])
}

/// The op's own handle input as its output (TF.js returns the handle as the flow).
fn same_handle(c: &Ctx) -> Result<Tensor> {
    let id = c.int(0)?;
    c.handle_tensor(0, id as i32)
}

fn write(c: &Ctx) -> Result<Tensor> {
    let (index, t) = (c.int(1)?, c.x(2)?.clone());
    c.with_array(0, |a| a.write(index, t))?;
    same_handle(c)
}

fn read(c: &Ctx) -> Result<Tensor> {
    let index = c.int(1)?;
    c.with_array(0, |a| a.read(index))
}

fn gather(c: &Ctx) -> Result<Tensor> {
    let indices = c.ints(1)?;
    let dtype = c.node.attr_dtype("dtype")?;
    c.with_array(0, |a| {
        a.check_dtype(dtype, "gather")?;
        let n = indices.len().min(a.slots.len());
        if n == 0 {
            return empty(c, &a.known_element(), a.dtype);
        }
        let ts = indices[..n].iter().map(|&i| a.read(i)).collect::<Result<Vec<_>>>()?;
        check_tensor(&a.element_shape, &ts[0], "TensorArray shape mismatch: ")?;
        stack(&ts, 0)
    })
}

fn scatter(c: &Ctx) -> Result<Tensor> {
    let (indices, t) = (c.ints(1)?, c.x(2)?.clone());
    c.with_array(0, |a| {
        a.check_value_dtype(&t)?;
        let rows = t.shape().first().copied().unwrap_or(0);
        if indices.len() != rows {
            return Err(err(format!(
                "Expected len(indices) == tensor.shape[0], but saw: {} vs. {rows}",
                indices.len()
            )));
        }
        let max = indices.iter().copied().max().unwrap_or(i64::MIN);
        if !a.dynamic_size && max >= a.max_size as i64 {
            return Err(err(format!(
                "Max index must be < array size ({max}  vs. {})",
                a.max_size
            )));
        }
        for (&i, row) in indices.iter().zip(crate::ops::api::unstack(&t, 0)?) {
            a.write(i, row)?;
        }
        Ok(())
    })?;
    same_handle(c)
}

fn concat_all(c: &Ctx) -> Result<Tensor> {
    let dtype = c.node.attr_dtype("dtype")?;
    c.with_array(0, |a| {
        a.check_dtype(dtype, "concat")?;
        if a.slots.is_empty() {
            return empty(c, &a.known_element(), a.dtype);
        }
        let ts = (0..a.slots.len() as i64)
            .map(|i| a.read(i))
            .collect::<Result<Vec<_>>>()?;
        check_tensor(&a.element_shape, &ts[0], "TensorArray shape mismatch:")?;
        concat(&ts, 0)
    })
}

fn split(c: &Ctx) -> Result<Tensor> {
    let (t, lengths) = (c.x(1)?.clone(), c.sizes(2, "a length")?);
    c.with_array(0, |a| {
        a.check_value_dtype(&t)?;
        if !a.dynamic_size && lengths.len() != a.max_size {
            return Err(err(format!(
                "TensorArray's size is not equal to the size of lengths ({} vs. {}), and the TensorArray is not marked as dynamically resizeable",
                a.max_size,
                lengths.len()
            )));
        }
        let shape: Vec<isize> = match &a.element_shape {
            Some(s) if !s.is_empty() => s.iter().map(|&d| d as isize).collect(),
            _ => vec![-1],
        };
        for (i, part) in split_rows(&t, &lengths, &shape)?.into_iter().enumerate() {
            a.write(i as i64, part)?;
        }
        Ok(())
    })?;
    same_handle(c)
}

fn size(c: &Ctx) -> Result<Tensor> {
    let n = c.with_array(0, |a| Ok(a.slots.len()))?;
    c.known_int(0, n)
}

fn close(c: &Ctx) -> Result<Tensor> {
    c.with_array(0, |a| {
        a.slots.clear();
        a.closed = true;
        Ok(())
    })?;
    same_handle(c)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("TensorArrayV3", create),
    ("TensorArrayWriteV3", |c| one(write(c))),
    ("TensorArrayReadV3", |c| one(read(c))),
    ("TensorArrayGatherV3", |c| one(gather(c))),
    ("TensorArrayScatterV3", |c| one(scatter(c))),
    ("TensorArrayConcatV3", |c| one(concat_all(c))),
    ("TensorArraySplitV3", |c| one(split(c))),
    ("TensorArraySizeV3", |c| one(size(c))),
    ("TensorArrayCloseV3", |c| one(close(c))),
];
