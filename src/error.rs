//! The library's error type. Every message is meant for a person: it names the problem and, where
//! there is one, the way out.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A probability vector handed to `quantize` was unusable.
    #[error("invalid probability distribution: {0}")]
    BadDistribution(String),
    /// Parameters that cannot work, refused before any work is done.
    #[error("invalid parameters: {0}")]
    BadParams(String),
    /// A compressed container that is corrupt, truncated or otherwise unreadable.
    #[error("corrupt or truncated container: {0}")]
    Corrupt(String),
    /// A container written by a newer or unknown format version.
    #[error("unsupported container format version {found} (this build reads version {supported})")]
    UnsupportedVersion { found: u16, supported: u16 },
    /// The model given does not match the one recorded in the container.
    #[error("model mismatch: {0}")]
    ModelMismatch(String),
    /// The decoded text does not match the checksum recorded at compression time.
    #[error("checksum mismatch after decoding: the output is not the original text")]
    ChecksumMismatch,
    /// Decoding failed (bit stream does not describe valid data for this model).
    #[error("decoding failed: {0}")]
    Decode(String),
    /// A model file or directory that cannot be used.
    #[error("model error: {0}")]
    Model(String),
    /// An input that is empty where content is required.
    #[error("empty input: {0}")]
    EmptyInput(String),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// I/O on a named path.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// I/O without a path (stdin, stdout, in-memory).
    #[error("I/O error: {0}")]
    IoPlain(#[from] std::io::Error),
    /// JSON (de)serialization.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
