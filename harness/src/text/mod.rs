//! Text that every layer handles: one-line previews, the speech normalisers, and word and
//! character alignment. Pure functions, no I/O.

pub mod align;
pub mod normalise;
pub mod whisper;

/// `text` on one line, cut to `max` characters with an ellipsis, for previews and tables.
pub fn shorten(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}
