//! Text that every layer handles: one-line previews, the speech normalisers, and word and
//! character alignment. Pure functions, no I/O.

pub mod align;
pub mod normalise;
pub mod whisper;

/// The characters of `text` on one line: runs of whitespace folded to one space, none at
/// either end. Lazy, so a caller that keeps a prefix never copies a huge text.
pub fn folded(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split_whitespace().flat_map(|w| std::iter::once(' ').chain(w.chars())).skip(1)
}

/// `text` on one line, cut to `max` characters with an ellipsis, for previews and tables.
pub fn shorten(text: &str, max: usize) -> String {
    let mut chars = folded(text);
    let mut shown: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        shown = shown.chars().take(max.saturating_sub(1)).collect();
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_text_is_one_line_with_an_ellipsis_when_cut() {
        assert_eq!(shorten("  a \n\t b  ", 10), "a b");
        assert_eq!(shorten("abcd", 4), "abcd");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("ab cd ef", 5), "ab c…");
        assert_eq!((shorten("x", 0), shorten("", 0)), ("…".to_string(), String::new()));
        assert_eq!(folded(" one  two\nthree ").collect::<String>(), "one two three");
    }
}
