//! Every op of core's op table (`ferroflow::for_each_op!`) as a wasm export with TF.js's
//! name. Tensor arguments arrive as `Tensor`s (the generated JS layer converts tensor-likes
//! first, see `args::tensor_like`); the other arguments are read by their table kind
//! (`args.rs`); the call itself is the table's.

use ferroflow::Tensor;
use wasm_bindgen::prelude::*;

use crate::error::JsResult;
use crate::tensor::{run_op, JsTensor, OpResult};

/// Several tensors (what `split`, `unstack` and `moments` return).
type Tensors = Vec<Tensor>;

macro_rules! default_arg {
    () => {
        None
    };
    ($d:expr) => {
        Some($d)
    };
}

macro_rules! wasm_exports {
    ($(
        $(#[doc = $doc:literal])*
        $js:literal $rs:ident in $group:ident [$($flag:ident)*]
        ($($t:ident : $tk:ident),* ; $($a:ident : $ak:ident $(= $default:expr)?),*)
        -> $ret:ident $([$($field:ident),*])? => $body:expr;
    )*) => {$(
        $(#[doc = $doc])*
        #[wasm_bindgen(js_name = $js)]
        #[allow(non_snake_case)]
        pub fn $rs($($t: &JsTensor,)* $($a: &JsValue),*) -> JsResult<<$ret as OpResult>::Js> {
            const OP: &str = $js;
            run_op(OP, || -> ferroflow::Result<$ret> {
                $(let $t = $t.value(OP, stringify!($t))?;)*
                $(let $a = crate::args::read::<crate::args::$ak>(OP, stringify!($a), $a, default_arg!($($default)?))?;)*
                $body
            })
        }
    )*};
}

ferroflow::for_each_op!(wasm_exports);
