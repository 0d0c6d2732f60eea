//! The one error type of the core crate. Every variant names the op that failed and says what was
//! expected versus what was given, so a message read in JS or a log is enough to fix the call.

/// Result alias used throughout Ferroflow.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A typed error. `op` is the user-facing op (or subsystem) that rejected the call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("{op}: shape error: {msg}")]
    Shape { op: String, msg: String },
    #[error("{op}: dtype error: {msg}")]
    DType { op: String, msg: String },
    #[error("{op}: axis error: {msg}")]
    Axis { op: String, msg: String },
    #[error("{op}: index error: {msg}")]
    Index { op: String, msg: String },
    #[error("{op}: size error: {msg}")]
    Size { op: String, msg: String },
    #[error("{op}: invalid argument: {msg}")]
    Invalid { op: String, msg: String },
    #[error("backend {backend}: {msg}")]
    Backend { backend: String, msg: String },
    /// A device could not allocate (GPU memory exhausted, or a buffer above its limits).
    #[error("backend {backend}: out of memory: {msg}")]
    OutOfMemory { backend: String, msg: String },
    /// The device is gone (driver reset, GPU removed, browser tab lost it); tensors on it are lost.
    #[error("backend {backend}: device lost: {msg}")]
    DeviceLost { backend: String, msg: String },
    #[error("io error: {0}")]
    Io(String),
    #[error("model format error: {0}")]
    Format(String),
}

macro_rules! ctor {
    ($name:ident, $variant:ident) => {
        #[doc = concat!("Builds an [`Error::", stringify!($variant), "`].")]
        pub fn $name(op: impl Into<String>, msg: impl Into<String>) -> Self {
            Error::$variant {
                op: op.into(),
                msg: msg.into(),
            }
        }
    };
}

impl Error {
    ctor!(shape, Shape);
    ctor!(dtype, DType);
    ctor!(axis, Axis);
    ctor!(index, Index);
    ctor!(size, Size);
    ctor!(invalid, Invalid);

    /// Builds an [`Error::Backend`].
    pub fn backend(backend: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Backend {
            backend: backend.into(),
            msg: msg.into(),
        }
    }

    /// Names the operation the caller ran around an error raised by a step it is built from:
    /// `permute: axis error: ...` inside `transpose` becomes `transpose (permute): axis error: ...`.
    pub fn within(self, op: &str) -> Error {
        let rename = |inner: String| {
            if inner == op || inner.starts_with(&format!("{op} (")) {
                inner
            } else {
                format!("{op} ({inner})")
            }
        };
        match self {
            Error::Shape { op: o, msg } => Error::Shape { op: rename(o), msg },
            Error::DType { op: o, msg } => Error::DType { op: rename(o), msg },
            Error::Axis { op: o, msg } => Error::Axis { op: rename(o), msg },
            Error::Index { op: o, msg } => Error::Index { op: rename(o), msg },
            Error::Size { op: o, msg } => Error::Size { op: rename(o), msg },
            Error::Invalid { op: o, msg } => Error::Invalid { op: rename(o), msg },
            other => other,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
