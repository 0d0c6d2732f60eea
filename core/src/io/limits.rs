//! Limits applied when reading model files. Every size read from a file is checked against these
//! before anything of that size is allocated.

/// Upper bounds for [`super::load_model`] and the byte-level checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest `model.json` accepted.
    pub max_topology_bytes: u64,
    /// Largest single weights file.
    pub max_weights_file_bytes: u64,
    /// Largest sum of all weights files of a model.
    pub max_total_weights_bytes: u64,
    /// Largest safetensors JSON header.
    pub max_header_bytes: u64,
    /// Most weights files in one model.
    pub max_weight_files: usize,
    /// Most tensors in one model.
    pub max_tensors: usize,
    /// Highest tensor rank.
    pub max_rank: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_topology_bytes: 16 << 20,
            max_weights_file_bytes: 4 << 30,
            max_total_weights_bytes: 16 << 30,
            max_header_bytes: 16 << 20,
            max_weight_files: 1024,
            max_tensors: 1 << 16,
            max_rank: 8,
        }
    }
}
