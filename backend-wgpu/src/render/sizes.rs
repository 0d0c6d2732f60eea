//! Where a shader gets its sizes: baked into the source as literals, or read at run time from a
//! small uniform buffer.
//!
//! Baked sizes let the compiler strength-reduce index arithmetic (a division by a literal is a
//! multiply and a shift) and unroll loops of known length, so most templates bake them. On GPUs
//! a matmul reads them from a uniform instead: its source then depends on the product's
//! structure (layouts, epilogue, which dims are 1), not on M, N and K, and products of other
//! sizes (another layer, another batch size) share one pipeline instead of compiling their own.
//! A zero offset and unit strides stay literal (see `expr::view_offset`).
//!
//! Software adapters bake: measured in Chromium on SwiftShader (browser bench, two rounds
//! each), run-time sizes cut the MLP training step's 8 GEMM pipelines to 3 and its first step
//! from ~400 to ~320 ms, but every later step ran 5-10% slower (75-80 against 82-86 ms), a
//! loss within ~10 steps of training. GPUs do not notice a few uniform reads, while their
//! pipeline compiles cost tens of milliseconds each.
//!
//! A template asks for each number through [`Sizes::u`] / [`Sizes::i`] in the same order for
//! the same structure, so equal structures render to equal sources (no value-based sharing of
//! slots: that would make the source depend on which sizes happen to be equal).

use std::fmt::Write;

/// The numbers one shader reads, or `None` slots when they are baked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sizes {
    /// Run-time values in slot order; `None` when baking.
    values: Option<Vec<u32>>,
}

/// The uniform's name in WGSL. (Copying it to a private variable at entry, so loops would read
/// registers, measured no faster on SwiftShader: MLP step 93 against 90-92 ms.)
const UNIFORM: &str = "ff_sizes";

impl Sizes {
    /// Every number becomes a literal.
    pub(crate) fn baked() -> Sizes {
        Sizes { values: None }
    }

    /// Every number becomes a slot of the uniform.
    pub(crate) fn uniform() -> Sizes {
        Sizes {
            values: Some(Vec::new()),
        }
    }

    fn slot(&mut self, bits: u32) -> Option<String> {
        let values = self.values.as_mut()?;
        let k = values.len();
        values.push(bits);
        Some(format!("{UNIFORM}.v[{}].{}", k / 4, ["x", "y", "z", "w"][k % 4]))
    }

    /// A u32 size.
    pub(crate) fn u(&mut self, v: u32) -> String {
        self.slot(v).unwrap_or_else(|| format!("{v}u"))
    }

    /// An i32 offset or stride.
    pub(crate) fn i(&mut self, v: i32) -> String {
        match self.slot(v as u32) {
            Some(s) => format!("bitcast<i32>({s})"),
            None => format!("{v}i"),
        }
    }

    /// The values to upload, padded to whole vec4s; empty when baked or when nothing was asked.
    pub(crate) fn into_values(self) -> Vec<u32> {
        let mut v = self.values.unwrap_or_default();
        v.resize(v.len().next_multiple_of(4), 0);
        v
    }

    fn used(&self) -> usize {
        self.values.as_ref().map_or(0, Vec::len)
    }

    /// The uniform's declaration at `binding` (after the output), or nothing when no slot is
    /// used.
    pub(crate) fn declaration(&self, binding: usize) -> String {
        if self.used() == 0 {
            return String::new();
        }
        let mut s = String::new();
        let _ = writeln!(
            s,
            "struct FfSizes {{ v: array<vec4<u32>, {}> }}\n@group(0) @binding({binding}) var<uniform> {UNIFORM}: FfSizes;",
            self.used().div_ceil(4)
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baked_sizes_are_literals_and_need_no_uniform() {
        let mut s = Sizes::baked();
        assert_eq!(s.u(7), "7u");
        assert_eq!(s.i(-3), "-3i");
        assert_eq!(s.declaration(3), "");
        assert!(s.into_values().is_empty());
    }

    #[test]
    fn uniform_sizes_fill_vec4_slots_in_order() {
        let mut s = Sizes::uniform();
        let names: Vec<String> = (0..5).map(|k| s.u(10 + k)).collect();
        assert_eq!(names[0], "ff_sizes.v[0].x");
        assert_eq!(names[4], "ff_sizes.v[1].x");
        assert_eq!(s.i(-2), "bitcast<i32>(ff_sizes.v[1].y)");
        assert!(s.declaration(4).contains("array<vec4<u32>, 2>"));
        assert!(s.declaration(4).contains("@binding(4) var<uniform>"));
        assert_eq!(s.into_values(), vec![10, 11, 12, 13, 14, (-2i32) as u32, 0, 0]);
    }
}
