//! Every tensor handed to JS lives in a [`Slot`]: the JS `Tensor` object owns one `Rc` of it, the
//! registry maps its id to a `Weak` (how a `JsValue` argument is turned back into a tensor), and
//! the open `tidy` scopes hold `Weak`s of the slots created inside them. Disposing empties the
//! slot; the core tensor it held is freed once no other graph node needs it.
//!
//! `memory().numTensors` counts non-empty slots (variables included, as TF.js does).
//!
//! Nothing here calls into JS while a `RefCell` is borrowed, so a JS callback can never observe a
//! borrowed state.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::{Rc, Weak};

use ferroflow::{DType, Error, Result, Tensor, Variable};

/// The largest tensor (in bytes) the bindings create on wasm32. Memory there is at most 4 GiB
/// and a failed allocation aborts the module, so larger requests are refused up front with a
/// size error. Natively the cap is what an allocation can be at all.
#[cfg(target_arch = "wasm32")]
pub const MAX_TENSOR_BYTES: usize = 1 << 30;
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_TENSOR_BYTES: usize = isize::MAX as usize;

/// What a slot holds: a tensor, or a variable (whose current value is read at each use).
pub enum Value {
    Plain(Tensor),
    Var(Variable),
}

pub struct Slot {
    pub id: u64,
    value: RefCell<Option<Value>>,
    /// Marked by `keep()`: no `tidy` scope disposes it.
    kept: Cell<bool>,
    bytes: usize,
    /// Shape and dtype, fixed at creation (a variable's never change), still known after dispose.
    pub shape: Vec<usize>,
    pub dtype: DType,
}

#[derive(Default)]
struct Registry {
    slots: HashMap<u64, Weak<Slot>>,
    /// Live variables by slot id (creation order), for `variableGrads` / `minimize` defaults.
    variables: BTreeMap<u64, Weak<Slot>>,
    next_id: u64,
    num_tensors: usize,
    num_bytes: usize,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry { next_id: 1, ..Default::default() });
    static SCOPES: RefCell<Vec<Vec<Weak<Slot>>>> = const { RefCell::new(Vec::new()) };
}

fn on_emptied(id: u64, bytes: usize) {
    let _ = REGISTRY.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r.num_tensors = r.num_tensors.saturating_sub(1);
            r.num_bytes = r.num_bytes.saturating_sub(bytes);
            r.variables.remove(&id);
        }
    });
}

impl Slot {
    /// The tensor (a variable's current value), or a "disposed" error naming `op` and `arg`.
    pub fn tensor(&self, op: &str, arg: &str) -> Result<Tensor> {
        match &*self.value.borrow() {
            Some(Value::Plain(t)) => Ok(t.clone()),
            Some(Value::Var(v)) => Ok(v.value()),
            None => Err(Error::invalid(
                op,
                format!(
                    "argument '{arg}': expected a live tensor, got tensor #{} which is disposed",
                    self.id
                ),
            )),
        }
    }
    pub fn variable(&self) -> Option<Variable> {
        match &*self.value.borrow() {
            Some(Value::Var(v)) => Some(v.clone()),
            _ => None,
        }
    }
    pub fn is_disposed(&self) -> bool {
        self.value.borrow().is_none()
    }
    pub fn keep(&self) {
        self.kept.set(true);
    }
    /// Empties the slot (idempotent).
    pub fn dispose(&self) {
        let old = self.value.borrow_mut().take();
        if old.is_some() {
            on_emptied(self.id, self.bytes);
        }
        // `old` (and with it possibly a whole graph) drops here, after the counters.
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.value.get_mut().is_some() {
            on_emptied(self.id, self.bytes);
        }
        let id = self.id;
        let _ = REGISTRY.try_with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                r.slots.remove(&id);
            }
        });
    }
}

fn bytes_of(t: &Tensor) -> Result<usize> {
    t.numel()
        .checked_mul(t.dtype().size_of())
        .filter(|&b| b <= MAX_TENSOR_BYTES)
        .ok_or_else(|| {
            Error::size(
                "tensor",
                format!(
                    "expected at most {MAX_TENSOR_BYTES} bytes per tensor in wasm, got shape {:?} of {}",
                    t.shape(),
                    t.dtype()
                ),
            )
        })
}

/// Checks a tensor against the per-tensor size cap (before anything is allocated for it).
pub fn check_size(op: &str, t: &Tensor) -> Result<()> {
    bytes_of(t).map(|_| ()).map_err(|e| match e {
        Error::Size { msg, .. } => Error::size(op, msg),
        other => other,
    })
}

/// A new slot for `value`, registered and added to the innermost open scope (variables are not:
/// `tidy` never disposes them, as in TF.js).
pub fn new_slot(op: &str, value: Value) -> Result<Rc<Slot>> {
    let (bytes, is_var, shape, dtype) = match &value {
        Value::Plain(t) => {
            check_size(op, t)?;
            (bytes_of(t)?, false, t.shape().to_vec(), t.dtype())
        }
        Value::Var(v) => {
            let t = v.value();
            (bytes_of(&t)?, true, t.shape().to_vec(), t.dtype())
        }
    };
    let slot = REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let id = r.next_id;
        r.next_id += 1;
        let slot = Rc::new(Slot {
            id,
            value: RefCell::new(Some(value)),
            kept: Cell::new(false),
            bytes,
            shape,
            dtype,
        });
        r.slots.insert(id, Rc::downgrade(&slot));
        if is_var {
            r.variables.insert(id, Rc::downgrade(&slot));
        }
        r.num_tensors += 1;
        r.num_bytes += bytes;
        slot
    });
    if !is_var {
        SCOPES.with(|s| {
            if let Some(top) = s.borrow_mut().last_mut() {
                top.push(Rc::downgrade(&slot));
            }
        });
    }
    Ok(slot)
}

/// The slot with this id, if its JS object still exists.
pub fn find(id: u64) -> Option<Rc<Slot>> {
    REGISTRY.with(|r| r.borrow().slots.get(&id).and_then(Weak::upgrade))
}

/// Live variables in creation order.
pub fn variables() -> Vec<Rc<Slot>> {
    REGISTRY.with(|r| r.borrow().variables.values().filter_map(Weak::upgrade).collect())
}

/// `(numTensors, numBytes)` over live slots.
pub fn counts() -> (usize, usize) {
    REGISTRY.with(|r| {
        let r = r.borrow();
        (r.num_tensors, r.num_bytes)
    })
}

/// Opens a `tidy` scope.
pub fn start_scope() {
    SCOPES.with(|s| s.borrow_mut().push(Vec::new()));
}

/// Closes the innermost scope: tensors whose id is in `returned` move to the enclosing scope (so
/// an outer `tidy` still owns them); every other tensor created in it, unless kept, is disposed.
pub fn end_scope(returned: &[u64]) {
    let Some(scope) = SCOPES.with(|s| s.borrow_mut().pop()) else {
        return;
    };
    let mut moved = Vec::new();
    for w in scope {
        let Some(slot) = w.upgrade() else { continue };
        if returned.contains(&slot.id) {
            moved.push(w);
        } else if !slot.kept.get() {
            slot.dispose();
        }
    }
    SCOPES.with(|s| {
        if let Some(top) = s.borrow_mut().last_mut() {
            top.extend(moved);
        }
    });
}

/// Number of open scopes (for checks that a callback left them balanced).
pub fn scope_depth() -> usize {
    SCOPES.with(|s| s.borrow().len())
}

/// Closes scopes opened above `depth` (after a JS callback threw out of a nested `tidy`).
pub fn unwind_scopes_to(depth: usize) {
    while scope_depth() > depth {
        end_scope(&[]);
    }
}
