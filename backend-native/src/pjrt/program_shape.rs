//! The parameter shapes of a compiled program, read from the optimized HLO module the plugin
//! returns (`PJRT_Executable_OptimizedProgram`), with a minimal protobuf reader.
//!
//! Field numbers (openxla/xla `xla/service/hlo.proto`, `xla/xla_data.proto`):
//! - `HloModuleProtoWithConfig.hlo_module` = 1 (format "hlo_with_config"; format "hlo" is the
//!   module itself)
//! - `HloModuleProto.host_program_shape` = 4 (`ProgramShapeProto`)
//! - `ProgramShapeProto.parameters` = 1 (repeated `ShapeProto`)
//! - `ShapeProto.element_type` = 2 (`PrimitiveType`), `ShapeProto.dimensions` = 3 (repeated
//!   int64, packed or not)

use super::buffer::ElementType;

/// Element type and dimensions of an array parameter of a compiled program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorShape {
    pub element_type: ElementType,
    pub dims: Vec<usize>,
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn skip(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    /// The next field, `None` at the end; `Some(Err(()))` on malformed input.
    fn field(&mut self) -> Option<Result<(u64, Value<'a>), ()>> {
        if self.pos >= self.buf.len() {
            return None;
        }
        Some(self.field_inner().ok_or(()))
    }

    fn field_inner(&mut self) -> Option<(u64, Value<'a>)> {
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.skip(8)?;
                Value::Fixed
            }
            2 => {
                let n = usize::try_from(self.varint()?).ok()?;
                Value::Bytes(self.skip(n)?)
            }
            5 => {
                self.skip(4)?;
                Value::Fixed
            }
            _ => return None,
        };
        Some((key >> 3, value))
    }
}

/// All length-delimited values of field `number` in a message (`None` if malformed).
fn messages(buf: &[u8], number: u64) -> Option<Vec<&[u8]>> {
    let mut r = Reader::new(buf);
    let mut out = Vec::new();
    while let Some(f) = r.field() {
        if let (n, Value::Bytes(b)) = f.ok()? {
            if n == number {
                out.push(b);
            }
        }
    }
    Some(out)
}

/// Maps an XLA `PrimitiveType` to the PJRT buffer type code (the two enums agree up to F64
/// and differ after).
fn element_type_from_primitive(p: u64) -> Option<ElementType> {
    let code = match p {
        1..=12 => p as i32,
        16 => 13, // BF16
        15 => 14, // C64
        18 => 15, // C128
        _ => return None,
    };
    Some(ElementType::from_raw(code))
}

fn shape(buf: &[u8]) -> Option<TensorShape> {
    let mut r = Reader::new(buf);
    let mut element_type = None;
    let mut dims = Vec::new();
    while let Some(f) = r.field() {
        match f.ok()? {
            (2, Value::Varint(v)) => element_type = Some(element_type_from_primitive(v)?),
            (3, Value::Varint(v)) => dims.push(usize::try_from(v).ok()?),
            (3, Value::Bytes(packed)) => {
                let mut p = Reader::new(packed);
                while p.pos < packed.len() {
                    dims.push(usize::try_from(p.varint()?).ok()?);
                }
            }
            _ => {}
        }
    }
    Some(TensorShape {
        element_type: element_type?,
        dims,
    })
}

/// The entry computation's parameter shapes, or `None` when the program is in another format,
/// is malformed, or has a parameter that is not a plain array (tuple, token, unknown type).
pub(crate) fn parameter_shapes(format: &[u8], code: &[u8]) -> Option<Vec<TensorShape>> {
    let module = match format {
        b"hlo" => code,
        b"hlo_with_config" => messages(code, 1)?.pop()?,
        _ => return None,
    };
    let program_shape = messages(module, 4)?.pop()?;
    messages(program_shape, 1)?.into_iter().map(shape).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len(field: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![field << 3 | 2, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn reads_parameters_of_hlo_with_config() {
        // ShapeProto { element_type: F32, dimensions: [2, 3] (packed) }
        let f32_2x3 = [len(3, &[2, 3]), vec![2 << 3, 11]].concat();
        // ShapeProto { element_type: S32, dimensions: 4, 5 (unpacked) }
        let s32_4x5 = vec![2 << 3, 4, 3 << 3, 4, 3 << 3, 5];
        let scalar_pred = vec![2 << 3, 1];
        let program = [
            len(1, &f32_2x3),
            len(1, &s32_4x5),
            len(1, &scalar_pred),
            len(2, &f32_2x3),
        ]
        .concat();
        let module = [len(1, b"main"), len(4, &program), vec![5 << 3, 7]].concat();
        let with_config = [len(1, &module), len(2, b"")].concat();
        let shapes = parameter_shapes(b"hlo_with_config", &with_config).unwrap();
        assert_eq!(
            shapes,
            vec![
                TensorShape {
                    element_type: ElementType::F32,
                    dims: vec![2, 3]
                },
                TensorShape {
                    element_type: ElementType::S32,
                    dims: vec![4, 5]
                },
                TensorShape {
                    element_type: ElementType::Pred,
                    dims: vec![]
                },
            ]
        );
        assert_eq!(parameter_shapes(b"hlo", &module), Some(shapes));
        assert_eq!(parameter_shapes(b"mlir", &module), None);
    }

    #[test]
    fn malformed_input_gives_none() {
        assert_eq!(parameter_shapes(b"hlo", &[0x22, 0x05, 0x01]), None);
        // A tuple parameter (element type 13) is not an array.
        let program = len(1, &[2 << 3, 13]);
        let module = len(4, &program);
        assert_eq!(parameter_shapes(b"hlo", &module), None);
    }

    #[test]
    fn no_parameters() {
        let module = len(4, &len(2, &[2 << 3, 11]));
        assert_eq!(parameter_shapes(b"hlo", &module), Some(vec![]));
    }
}
