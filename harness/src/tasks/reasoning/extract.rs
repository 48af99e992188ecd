//! Final-answer extraction and numeric normalisation.
//!
//! `strict` takes the number right after the first `####` that is followed by one (the
//! convention of GSM8K's reference solutions and lm-evaluation-harness's strict-match);
//! `flexible` takes the last number anywhere (its flexible-extract). Numbers are compared in a
//! canonical decimal form, so `$1,234.00`, `1234` and `1234.` are the same answer, and no
//! floating point is involved.

use crate::spec::suite::Extraction;

pub fn extract(mode: Extraction, output: &str) -> Option<String> {
    match mode {
        Extraction::Strict => extract_strict(output),
        Extraction::Flexible => extract_flexible(output),
    }
}

pub fn extract_strict(output: &str) -> Option<String> {
    let mut rest = output;
    while let Some(pos) = rest.find("####") {
        let after = rest[pos + 4..].trim_start();
        if let Some(number) = number_at(after) {
            return Some(number.canonical);
        }
        rest = &rest[pos + 4..];
    }
    None
}

pub fn extract_flexible(output: &str) -> Option<String> {
    numbers(output).last().map(|n| n.canonical.clone())
}

/// Canonical form of a numeric string such as `$1,234.00` or `-0.50`; `None` if it is not one.
pub fn normalize_number(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('.');
    let number = number_at(text)?;
    (number.len == text.len()).then_some(number.canonical)
}

#[derive(Debug, Clone, PartialEq)]
struct Number {
    canonical: String,
    /// Bytes of the input that the number spans, from where scanning started.
    len: usize,
}

/// Every number in `text`, left to right.
fn numbers(text: &str) -> Vec<Number> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut prev: Option<char> = None;
    while i < text.len() {
        let rest = &text[i..];
        let ch = rest.chars().next().expect("non-empty");
        // A '-' glued to a word or number ("3-4", "x-5") is a hyphen, not a sign.
        let sign_allowed = !prev.is_some_and(|p| p.is_alphanumeric());
        let starts_number = ch.is_ascii_digit() || (sign_allowed && matches!(ch, '-' | '\u{2212}' | '$' | '.'));
        if starts_number {
            if let Some(number) = number_at(rest) {
                i += number.len;
                prev = text[..i].chars().last();
                out.push(number);
                continue;
            }
        }
        i += ch.len_utf8();
        prev = Some(ch);
    }
    out
}

/// Parses a number at the very start of `text`: `[-][$][-]digits[,ddd…][.digits]`.
fn number_at(text: &str) -> Option<Number> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    let take_sign = |i: &mut usize| {
        if text[*i..].starts_with('-') {
            *i += 1;
            true
        } else if text[*i..].starts_with('\u{2212}') {
            *i += '\u{2212}'.len_utf8();
            true
        } else {
            false
        }
    };
    negative |= take_sign(&mut i);
    if bytes.get(i) == Some(&b'$') {
        i += 1;
        if !negative {
            negative |= take_sign(&mut i);
        }
    }
    let digit = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_digit);
    let mut integer = String::new();
    while digit(i) || (bytes.get(i) == Some(&b',') && !integer.is_empty() && digit(i + 1)) {
        if bytes[i] != b',' {
            integer.push(bytes[i] as char);
        }
        i += 1;
    }
    let mut fraction = String::new();
    if bytes.get(i) == Some(&b'.') && digit(i + 1) {
        i += 1;
        while digit(i) {
            fraction.push(bytes[i] as char);
            i += 1;
        }
    }
    if integer.is_empty() && fraction.is_empty() {
        return None;
    }
    Some(Number { canonical: canonical(negative, &integer, &fraction), len: i })
}

fn canonical(negative: bool, integer: &str, fraction: &str) -> String {
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    if negative && !(integer == "0" && fraction.is_empty()) {
        out.push('-');
    }
    out.push_str(integer);
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(s: &str) -> Option<String> {
        extract_strict(s)
    }
    fn flexible(s: &str) -> Option<String> {
        extract_flexible(s)
    }
    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn strict_shapes() {
        let cases: &[(&str, Option<&str>)] = &[
            ("#### 18", Some("18")),
            ("She makes 9 * 2 = $18 every day.\n#### 18", Some("18")),
            ("The total is #### 1,234", Some("1234")),
            ("#### $1,234.00", Some("1234")),
            ("#### -5", Some("-5")),
            ("#### -0.50", Some("-0.5")),
            ("#### 18.", Some("18")),
            ("#### 3\n#### 4", Some("3")),
            ("####\n\n#### 7 apples", Some("7")),
            ("#### 0", Some("0")),
            ("#### -0", Some("0")),
            ("#### 007", Some("7")),
            ("#### 12,345.6789", Some("12345.6789")),
            ("#### .5", Some("0.5")),
            ("####   42\n\nQuestion: how many are 7 apples?", Some("42")),
            ("#### \u{2212}4", Some("-4")),
            ("#### $-3", Some("-3")),
            ("The answer is 42", None),
            ("####", None),
            ("#### many", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(strict(input), expected.map(str::to_string), "strict on {input:?}");
        }
    }

    #[test]
    fn flexible_shapes() {
        let cases: &[(&str, Option<&str>)] = &[
            ("so she makes $18 per day.", Some("18")),
            ("The answer is 0.5", Some("0.5")),
            ("pi is about 3.14159", Some("3.14159")),
            ("It costs $1,000,000.", Some("1000000")),
            ("#### 3\n#### 4", Some("4")),
            ("It is -3 degrees outside", Some("-3")),
            ("Pages 3-4 of the book", Some("4")),
            ("version x-5", Some("5")),
            ("a 5% raise.", Some("5")),
            ("#### 10\n\nQuestion: Tom has 7 apples", Some("7")),
            ("2+3=5", Some("5")),
            ("10 - 4 = 6", Some("6")),
            ("Answer: 1.50 dollars", Some("1.5")),
            ("pour .5 liters", Some("0.5")),
            ("1, 2, 3, go", Some("3")),
            ("no number here", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(flexible(input), expected.map(str::to_string), "flexible on {input:?}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_number("$1,234.00"), some("1234"));
        assert_eq!(normalize_number("-0.50"), some("-0.5"));
        assert_eq!(normalize_number("18."), some("18"));
        assert_eq!(normalize_number(" 42 "), some("42"));
        assert_eq!(normalize_number("42 apples"), None);
        assert_eq!(normalize_number("abc"), None);
    }
}
