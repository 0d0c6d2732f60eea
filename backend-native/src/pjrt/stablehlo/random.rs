//! `ferroflow_core::ir::primitive::rand_bits` in StableHLO's unsigned 32-bit arithmetic (which
//! wraps), so XLA draws the same numbers as every other backend.

use super::{Emitter, Value};

/// Uniform f32 in [0, 1) of `shape`; `seed` is the int32 `[2]` parameter (low, high words).
pub(crate) fn uniform(e: &mut Emitter, seed: &Value, shape: &[usize]) -> Value {
    let n = shape.iter().product::<usize>();
    let flat = [n];
    let word = |e: &mut Emitter, i: usize| {
        let attr = format!(
            "start_indices = array<i64: {i}>, limit_indices = array<i64: {}>, strides = array<i64: 1>",
            i + 1
        );
        let s = e.op("stablehlo.slice", &[seed], &attr, &[1], "i32");
        let u = e.op("stablehlo.bitcast_convert", &[&s], "", &[1], "ui32");
        let scalar = e.op("stablehlo.reshape", &[&u], "", &[], "ui32");
        e.op(
            "stablehlo.broadcast_in_dim",
            &[&scalar],
            "broadcast_dimensions = array<i64>",
            &flat,
            "ui32",
        )
    };
    let k0 = word(e, 0);
    let k1 = word(e, 1);
    let index = e.op("stablehlo.iota", &[], "iota_dimension = 0 : i64", &flat, "ui32");
    let x = e.op("stablehlo.xor", &[&index, &k0], "", &flat, "ui32");
    let x = mix(e, &x, &flat);
    let x = e.op("stablehlo.xor", &[&x, &k1], "", &flat, "ui32");
    let x = mix(e, &x, &flat);
    let golden = e.splat_literal("2654435769", &flat, "ui32"); // 0x9e3779b9
    let x = e.op("stablehlo.add", &[&x, &golden], "", &flat, "ui32");
    let bits = mix(e, &x, &flat);
    // The top 24 bits, scaled by 2^-24: exact in f32.
    let eight = e.splat_literal("8", &flat, "ui32");
    let top = e.op("stablehlo.shift_right_logical", &[&bits, &eight], "", &flat, "ui32");
    let f = e.op("stablehlo.convert", &[&top], "", &flat, "f32");
    let scale = e.splat_literal("0x33800000", &flat, "f32"); // 2^-24
    let u = e.op("stablehlo.multiply", &[&f, &scale], "", &flat, "f32");
    e.op("stablehlo.reshape", &[&u], "", shape, "f32")
}

/// The 32-bit integer finalizer `rand_bits` applies between key mixes.
fn mix(e: &mut Emitter, x: &Value, flat: &[usize]) -> Value {
    let mut x = x.clone();
    for (shift, mul) in [(16, Some(0x7feb_352d_u32)), (15, Some(0x846c_a68b)), (16, None)] {
        let s = e.splat_literal(&shift.to_string(), flat, "ui32");
        let sh = e.op("stablehlo.shift_right_logical", &[&x, &s], "", flat, "ui32");
        x = e.op("stablehlo.xor", &[&x, &sh], "", flat, "ui32");
        if let Some(m) = mul {
            let c = e.splat_literal(&m.to_string(), flat, "ui32");
            x = e.op("stablehlo.multiply", &[&x, &c], "", flat, "ui32");
        }
    }
    x
}
