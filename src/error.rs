//! Typed errors of the library, and the exit code each maps to.
//!
//! Errors are reported once, at the top (`main.rs`), as a single line. The exit codes are a
//! stable contract for cron jobs:
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (with several events: at least one event ran) |
//! | 1 | internal or I/O failure (e.g. an output could not be written) |
//! | 2 | usage or input error (bad flag, malformed date, unreadable CSV, bad ticker) |
//! | 3 | data missing or insufficient (no such symbol, event outside the data, too few days) |

use std::path::PathBuf;
use thiserror::Error;

/// Process exit codes; see the module documentation.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const DATA: i32 = 3;
}

#[derive(Debug, Error)]
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
        source: std::io::Error,
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
            source,
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
