//! Declarative inputs: suite specs and dataset specs, parsed from TOML with errors that point at
//! the file, line and column.

pub mod dataset;
pub mod jinja;
pub mod lm_eval;
pub mod suite;
pub mod template;

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses TOML into `T`, turning toml's byte spans into `FILE:LINE:COL` errors.
pub(crate) fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|span| line_col(text, span.start)).unwrap_or((1, 1));
        Error::at(path, line, column, e.message().trim())
    })
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// An error about a spanned value of a TOML file.
pub(crate) fn error_at_span(path: &Path, text: &str, span: std::ops::Range<usize>, message: impl std::fmt::Display) -> Error {
    let (line, column) = line_col(text, span.start);
    Error::at(path, line, column, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
