//! One error type for the whole harness: a single printable line that names the file, line or item.

use std::fmt;
use std::path::Path;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A user-facing error. `Display` is one line, ready for `error: …` on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error { message: one_line(&message.into()) }
    }

    /// An error about a place in a file: `FILE:LINE:COL: message`.
    pub fn at(path: &Path, line: usize, column: usize, message: impl fmt::Display) -> Self {
        Error::new(format!("{}:{line}:{column}: {message}", path.display()))
    }

    /// An error about a line of a file: `FILE:LINE: message`.
    pub fn at_line(path: &Path, line: usize, message: impl fmt::Display) -> Self {
        Error::new(format!("{}:{line}: {message}", path.display()))
    }

    /// An error about a whole file: `FILE: message`.
    pub fn in_file(path: &Path, message: impl fmt::Display) -> Self {
        Error::new(format!("{}: {message}", path.display()))
    }

    /// Prefixes the message with more context, e.g. the item being processed.
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error::new(format!("{context}: {}", self.message))
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Adds the path to I/O errors, which otherwise say only "No such file or directory".
pub trait IoContext<T> {
    fn with_path(self, path: &Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn with_path(self, path: &Path) -> Result<T> {
        self.map_err(|e| Error::in_file(path, e))
    }
}

/// How many `contain_panics` calls are running. Their panics are reported as errors, not printed,
/// on any thread: readers panic on their worker threads too, and unwinding brings those back.
static CONTAINING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs a third-party reader that may panic on damaged input (polars' Parquet reader does on
/// some corrupt footers) and turns such a panic into an error about `path`, so that one damaged
/// file is a clear error, not a crash with a backtrace.
pub fn contain_panics<T>(path: &Path, read: impl FnOnce() -> Result<T>) -> Result<T> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CONTAINING.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
    CONTAINING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    CONTAINING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    outcome.unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown reason".to_string());
        Err(Error::in_file(path, format!("damaged file: the reader gave up ({why})")))
    })
}

/// Messages must stay on one line so that logs and tests can rely on it.
fn one_line(message: &str) -> String {
    if !message.contains(['\n', '\r']) {
        return message.to_string();
    }
    message.split(['\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_single_line() {
        let e = Error::new("first\n  second\r\nthird");
        assert_eq!(e.message(), "first | second | third");
    }

    #[test]
    fn panics_of_readers_become_errors_naming_the_file() {
        let e = contain_panics::<()>(Path::new("samples.parquet"), || panic!("thrift bool field")).unwrap_err();
        assert_eq!(e.to_string(), "samples.parquet: damaged file: the reader gave up (thrift bool field)");
        assert_eq!(contain_panics(Path::new("x"), || Ok(3)), Ok(3));
    }

    #[test]
    fn locations_are_prefixed() {
        let e = Error::at(Path::new("a.toml"), 3, 7, "bad");
        assert_eq!(e.to_string(), "a.toml:3:7: bad");
    }
}
