//! Rust errors become thrown JS `Error`s whose message is core's `Display` (op, argument,
//! expected vs. actual). An exception thrown by a user's JS callback (the `f` of `grad` or
//! `minimize`, a `customGrad` gradient) travels through core as a placeholder error and is
//! rethrown unchanged.

use std::cell::RefCell;

use ferroflow::Error;
use serde::Serialize;
use wasm_bindgen::prelude::*;

thread_local! {
    static PENDING: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// A `Result` whose error is a JS value (wasm-bindgen throws it).
pub type JsResult<T> = std::result::Result<T, JsValue>;

/// The JS `Error` for a core error.
pub fn to_js(e: Error) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

/// Names the op the user called in an error raised by a primitive or helper it is built from:
/// `permute: axis error: ...` from `transpose` becomes `transpose (permute): axis error: ...`.
pub fn in_op(op: &str, e: Error) -> Error {
    e.within(op)
}

/// The JS `Error` for a core error raised while running `op`.
pub fn to_js_in(op: &str, e: Error) -> JsValue {
    to_js(in_op(op, e))
}

/// Records an exception thrown by a JS callback and returns the core error that carries it
/// through core's code.
pub fn callback_threw(op: &str, exception: JsValue) -> Error {
    let msg = exception
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| exception.as_string())
        .unwrap_or_else(|| "a non-Error value".into());
    PENDING.with(|p| *p.borrow_mut() = Some(exception));
    Error::invalid(op, format!("the callback threw: {msg}"))
}

/// Forgets a recorded callback exception (before running code that may record one).
pub fn clear_pending() {
    PENDING.with(|p| p.borrow_mut().take());
}

/// The JS value to throw for `e`: the callback's own exception when one was recorded.
pub fn to_js_or_pending(op: &str, e: Error) -> JsValue {
    PENDING
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| to_js_in(op, e))
}

/// Serializes a plain struct to a plain JS object (maps as objects, `None` as `null`).
pub fn to_object<T: Serialize>(op: &str, v: &T) -> JsResult<JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| to_js(Error::invalid(op, e.to_string())))
}
