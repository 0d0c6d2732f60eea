//! The state behind `TensorArray*` and `TensorList*` ops: one store per execution, shared with
//! the functions it calls (a list built in a `While` body is read after the loop). As in TF.js,
//! both are mutable and named by a handle: a scalar int32 tensor holding the resource's index,
//! whose value the executor keeps on the host so no kernel ever reads a handle back.

use super::Ctx;
use crate::dtype::{DType, HostData};
use crate::ops::creation;
use crate::tensor::Tensor;
use crate::Result;

/// An element shape as TF.js keeps it: `None` for an unknown rank, `-1` for an unknown size.
pub(super) type ElemShape = Option<Vec<i64>>;

/// One slot of a TensorArray.
#[derive(Default, Clone)]
pub(super) struct Slot {
    pub tensor: Option<Tensor>,
    pub read: bool,
    pub cleared: bool,
}

pub(super) struct TensorArray {
    pub name: String,
    pub dtype: DType,
    pub max_size: usize,
    pub element_shape: ElemShape,
    pub dynamic_size: bool,
    pub clear_after_read: bool,
    pub slots: Vec<Slot>,
    pub closed: bool,
}

pub(super) struct TensorList {
    /// `None`: a slot reserved but not set.
    pub tensors: Vec<Option<Tensor>>,
    pub element_shape: ElemShape,
    pub dtype: DType,
    /// `None`: no limit.
    pub max_elements: Option<usize>,
}

pub(super) enum Resource {
    Array(TensorArray),
    List(TensorList),
}

impl Resource {
    fn array(&mut self) -> Option<&mut TensorArray> {
        match self {
            Resource::Array(a) => Some(a),
            Resource::List(_) => None,
        }
    }
    fn list(&mut self) -> Option<&mut TensorList> {
        match self {
            Resource::List(l) => Some(l),
            Resource::Array(_) => None,
        }
    }
}

/// Every TensorArray and TensorList an execution made, by handle.
#[derive(Default)]
pub(crate) struct Resources {
    items: Vec<Resource>,
}

impl Resources {
    fn add(&mut self, r: Resource) -> i32 {
        self.items.push(r);
        (self.items.len() - 1) as i32
    }
}

impl Ctx<'_> {
    fn store(&self) -> Result<std::cell::RefMut<'_, Resources>> {
        self.resources
            .map(|r| r.borrow_mut())
            .ok_or_else(|| self.err("TensorArray and TensorList ops run only inside a graph execution"))
    }

    /// A new resource's handle, known on the host as output `k`.
    pub(super) fn new_handle(&self, k: usize, r: Resource) -> Result<Tensor> {
        let id = self.store()?.add(r);
        self.handle_tensor(k, id)
    }

    /// The handle `id` as output `k` (a scalar int32, its value kept on the host).
    pub(super) fn handle_tensor(&self, k: usize, id: i32) -> Result<Tensor> {
        let data = HostData::I32(vec![id]);
        self.known_output(k, data.clone(), vec![]);
        self.upload(data, &[])
    }

    /// A scalar int32 as output `k`, known on the host (sizes, lengths).
    pub(super) fn known_int(&self, k: usize, v: usize) -> Result<Tensor> {
        let v = i32::try_from(v).map_err(|_| self.err(format!("{v} does not fit int32")))?;
        self.handle_tensor(k, v)
    }

    /// Runs `f` on the TensorArray input `i` names.
    pub(super) fn with_array<T>(&self, i: usize, f: impl FnOnce(&mut TensorArray) -> Result<T>) -> Result<T> {
        self.with_resource(i, "TensorArray", Resource::array, f)
    }

    /// Runs `f` on the TensorList input `i` names.
    pub(super) fn with_list<T>(&self, i: usize, f: impl FnOnce(&mut TensorList) -> Result<T>) -> Result<T> {
        self.with_resource(i, "TensorList", Resource::list, f)
    }

    fn with_resource<R, T>(
        &self,
        i: usize,
        kind: &str,
        pick: fn(&mut Resource) -> Option<&mut R>,
        f: impl FnOnce(&mut R) -> Result<T>,
    ) -> Result<T> {
        let id = self.int(i)?;
        let mut store = self.store()?;
        match usize::try_from(id)
            .ok()
            .and_then(|id| store.items.get_mut(id))
            .and_then(pick)
        {
            Some(r) => f(r).map_err(|e| e.within(&format!("node {} ({})", self.node.name, self.node.op))),
            None => Err(self.err(format!("input {i} is not a {kind} handle (got {id})"))),
        }
    }

    /// Input `i` as an element shape (TF.js: a scalar is an unknown rank).
    pub(super) fn elem_shape(&self, i: usize) -> Result<ElemShape> {
        let dims = self.ints(i)?;
        Ok(if self.x(i)?.rank() == 0 { None } else { Some(dims) })
    }

    /// Attribute `key` as an element shape (absent or without dims: unknown).
    pub(super) fn attr_elem_shape(&self, key: &str) -> ElemShape {
        self.node
            .attr_shape(key)
            .map(|d| d.into_iter().map(|s| s.map_or(-1, |s| s as i64)).collect())
    }
}

fn fmt(s: &[i64]) -> String {
    s.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A tensor's shape as an element shape.
pub(super) fn shape_of(t: &Tensor) -> ElemShape {
    Some(t.shape().iter().map(|&d| d as i64).collect())
}

/// TF.js's `assertShapesMatchAllowUndefinedSize`: same rank, sizes equal where both known.
pub(super) fn check_match(a: &ElemShape, b: &ElemShape, prefix: &str) -> Result<()> {
    let (Some(a), Some(b)) = (a, b) else { return Ok(()) };
    if a.len() != b.len() || a.iter().zip(b).any(|(&x, &y)| x >= 0 && y >= 0 && x != y) {
        return Err(crate::Error::shape(
            "TensorList",
            format!("{prefix} Shapes {} and {} must match", fmt(a), fmt(b)),
        ));
    }
    Ok(())
}

pub(super) fn check_tensor(shape: &ElemShape, t: &Tensor, prefix: &str) -> Result<()> {
    check_match(shape, &shape_of(t), prefix)
}

/// TF.js's `mergeElementShape`.
fn merge(a: &ElemShape, b: &ElemShape) -> Result<ElemShape> {
    let (Some(x), Some(y)) = (a, b) else {
        return Ok(if a.is_none() { b.clone() } else { a.clone() });
    };
    if x.len() != y.len() {
        return Err(crate::Error::shape(
            "TensorList",
            format!("Incompatible ranks during merge: {} vs. {}", fmt(x), fmt(y)),
        ));
    }
    x.iter()
        .zip(y)
        .map(|(&p, &q)| {
            if p >= 0 && q >= 0 && p != q {
                Err(crate::Error::shape(
                    "TensorList",
                    format!("Incompatible shape during merge: {} vs. {}", fmt(x), fmt(y)),
                ))
            } else {
                Ok(if p >= 0 { p } else { q })
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// TF.js's `inferElementShape`: the list's and the op's shapes merged, completed from the
/// elements where still partial.
pub(super) fn infer(list: &ElemShape, tensors: &[Option<Tensor>], op: &ElemShape) -> Result<Vec<usize>> {
    let mut s = merge(list, op)?;
    let full = |s: &ElemShape| s.as_ref().is_some_and(|d| d.iter().all(|&x| x >= 0));
    if !full(&s) {
        if tensors.is_empty() {
            return Err(crate::Error::shape(
                "TensorList",
                format!(
                    "Tried to calculate elements of an empty list with non-fully-defined elementShape: {}",
                    s.as_deref().map_or("-1".into(), fmt)
                ),
            ));
        }
        for t in tensors.iter().flatten() {
            s = merge(&shape_of(t), &s)?;
        }
    }
    match s {
        Some(d) if d.iter().all(|&x| x >= 0) => Ok(d.into_iter().map(|x| x as usize).collect()),
        s => Err(crate::Error::shape(
            "TensorList",
            format!(
                "Non-fully-defined elementShape: {}",
                s.as_deref().map_or("-1".into(), fmt)
            ),
        )),
    }
}

/// An empty `[0, ...element]` tensor.
pub(super) fn empty(c: &Ctx, element: &[usize], dtype: DType) -> Result<Tensor> {
    let mut shape = vec![0];
    shape.extend_from_slice(element);
    creation::zeros(&c.x(0)?.device(), &shape, dtype)
}

/// TF.js's dtype names, for its messages.
pub(super) fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "float32",
        DType::I32 => "int32",
        DType::Bool => "bool",
    }
}

/// `t`'s rows cut into consecutive parts of `lengths` rows, each reshaped to `shape` (TF.js's
/// split for TensorArray and TensorList).
pub(super) fn split_rows(t: &Tensor, lengths: &[usize], shape: &[isize]) -> Result<Vec<Tensor>> {
    let total: usize = lengths.iter().sum();
    let rows = t.shape().first().copied().unwrap_or(0);
    if total != rows {
        return Err(crate::Error::shape(
            "TensorList",
            format!(
                "Expected sum of lengths to be equal to tensor.shape[0], but sum of lengths is {total}, and tensor's shape is: {:?}",
                t.shape()
            ),
        ));
    }
    let per_row = t.numel().checked_div(total).unwrap_or(0);
    let flat = t.reshape(&[total as isize, per_row as isize])?;
    let mut start = 0;
    let mut parts = Vec::with_capacity(lengths.len());
    for &len in lengths {
        parts.push(
            flat.slice(&[start, 0], &[len as isize, per_row as isize])?
                .reshape(shape)?,
        );
        start += len;
    }
    Ok(parts)
}
