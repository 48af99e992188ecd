//! The engine's errors: a message, and the input file and line it is about when there is one.

use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error { file: None, line: None, message: message.into() }
    }

    pub fn in_file(path: &Path, message: impl fmt::Display) -> Self {
        Error { file: Some(path.to_path_buf()), line: None, message: message.to_string() }
    }

    pub fn at_line(path: &Path, line: usize, message: impl fmt::Display) -> Self {
        Error { file: Some(path.to_path_buf()), line: Some(line), message: message.to_string() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `FILE:LINE: message`, `FILE: message` or the message alone.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: {}", file.display(), self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
