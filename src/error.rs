//! Typed errors of the library, and the exit code each maps to.
//!
//! Every layer converts into this one type (`From` impls for the engine's fit errors; the data
//! layer builds it directly). It is `Clone`, so a result cached for several events (a symbol's
//! load, a pair's alignment) hands each event the same error. Errors are reported once, at the
//! top (`main.rs`), as a single line. The exit codes are a stable contract for cron jobs:
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (with several events: at least one event ran) |
//! | 1 | internal or I/O failure (e.g. an output could not be written) |
//! | 2 | usage or input error (bad flag, malformed date, unreadable CSV, bad ticker) |
//! | 3 | data missing or insufficient (no such symbol, event outside the data, too few days) |

use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;

/// Process exit codes; see the module documentation.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const DATA: i32 = 3;
}

#[derive(Debug, Clone, Error)]
pub enum Error {
    /// A flag or option value that does not make sense.
    #[error("{0}")]
    Usage(String),

    /// An input file exists but cannot be used as given.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },

    /// Data the study needs is not there (no file, too few days, event outside the range).
    #[error("{0}")]
    Data(String),

    /// The network could not deliver the data.
    #[error("{0}")]
    Network(String),

    /// Writing an output or the store failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },

    /// A failure inside a dependency that the user cannot fix by changing the input.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn data(message: impl Into<String>) -> Self {
        Error::Data(message.into())
    }

    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// The error with `context` before its whole message (`benchmark ^X: ...`); the exit code
    /// stays the same.
    pub fn context(self, context: impl std::fmt::Display) -> Self {
        let message = format!("{context}: {self}");
        match self {
            Error::Usage(_) | Error::Input { .. } => Error::Usage(message),
            Error::Data(_) => Error::Data(message),
            Error::Network(_) => Error::Network(message),
            Error::Io { .. } | Error::Internal(_) => Error::Internal(message),
        }
    }

    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Input { .. } => exit::USAGE,
            Error::Data(_) | Error::Network(_) => exit::DATA,
            Error::Io { .. } | Error::Internal(_) => exit::FAILURE,
        }
    }
}

/// A polars failure on `context` (a column, a file): nothing the user's input can fix.
pub(crate) fn polars_err(context: &str, err: impl std::fmt::Display) -> Error {
    Error::Internal(format!("{context}: {err}"))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
