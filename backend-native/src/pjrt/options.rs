//! The serialized `xla.CompileOptionsProto` passed to `PJRT_Client_Compile`, hand-encoded in
//! protobuf wire format (no protobuf dependency).
//!
//! Field numbers, from openxla/xla `xla/pjrt/proto/compile_options.proto`:
//! - `CompileOptionsProto.executable_build_options` = 3 (`ExecutableBuildOptionsProto`)
//! - `ExecutableBuildOptionsProto.device_ordinal` = 1 (int64; -1 means "not set")
//! - `ExecutableBuildOptionsProto.num_replicas` = 4 (int64)
//! - `ExecutableBuildOptionsProto.num_partitions` = 5 (int64)
//!
//! Why these three: proto3 omits zero values, so an empty message reads back as
//! `num_replicas = 0`, and XLA aborts the whole process (a `CHECK` in `device_assignment.h`,
//! not an error) when compiling with zero replicas; so does an empty options string. One replica
//! and one partition give a single-device program. `device_ordinal = -1` is the C++ default
//! ("not set"): the client picks the device from its default assignment. Everything else keeps
//! its default (no argument layouts, untupled parameters, default debug options).

/// Wire type of varint fields.
const VARINT: u32 = 0;
/// Wire type of length-delimited fields (strings, bytes, sub-messages).
const LEN: u32 = 2;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_tag(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    put_varint(out, u64::from(field << 3 | wire_type));
}

/// An int64 field: negative values are sign-extended to 64 bits (10 bytes on the wire).
fn put_int64(out: &mut Vec<u8>, field: u32, v: i64) {
    put_tag(out, field, VARINT);
    put_varint(out, v as u64);
}

fn put_message(out: &mut Vec<u8>, field: u32, body: &[u8]) {
    put_tag(out, field, LEN);
    put_varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

/// `CompileOptionsProto { executable_build_options { device_ordinal: -1, num_replicas: 1,
/// num_partitions: 1 } }`, serialized.
pub(crate) fn single_device_compile_options() -> Vec<u8> {
    let mut build = Vec::new();
    put_int64(&mut build, 1, -1); // device_ordinal
    put_int64(&mut build, 4, 1); // num_replicas
    put_int64(&mut build, 5, 1); // num_partitions
    let mut options = Vec::new();
    put_message(&mut options, 3, &build); // executable_build_options
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let expected: &[u8] = &[
            0x1a, 0x0f, // field 3, length 15
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // field 1: -1
            0x20, 0x01, // field 4: 1
            0x28, 0x01, // field 5: 1
        ];
        assert_eq!(single_device_compile_options(), expected);
    }

    #[test]
    fn varints() {
        let mut v = Vec::new();
        put_varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
    }
}
