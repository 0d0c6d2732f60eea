//! Rendered shaders must pass naga's validator (no GPU needed).
