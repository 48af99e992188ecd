//! Inspect's scorers over a generation, for runs imported from Inspect logs: `match` (at the
//! beginning, the end, anywhere or exactly; numbers compared after Inspect's normalisation),
//! `includes` and `choice` (the `multiple_choice` solver's `ANSWER: X`, one answer per item).
//! Each reproduces the scorer of inspect-ai 0.3.285; an item's reference is a JSON object
//! `{"target": [TEXT, …], "choices": N}`, the targets any one of which counts.

use crate::spec::suite::{InspectScorer, MatchLocation};
use regex::Regex;
use std::sync::LazyLock;

/// The answer Inspect would record and whether the item is correct, or why the reference
/// cannot be read.
pub fn score(scorer: &InspectScorer, output: &str, reference: &str) -> Option<(String, bool)> {
    let reference: serde_json::Value = serde_json::from_str(reference).ok()?;
    let targets: Vec<&str> = reference.get("target")?.as_array()?.iter().filter_map(|t| t.as_str()).collect();
    Some(match scorer {
        InspectScorer::Match { location, ignore_case, numeric } => {
            any_target(&targets, output, |value, target| match_str(value, target, *location, *ignore_case, *numeric))
        }
        InspectScorer::Includes { ignore_case } => any_target(&targets, output, |value, target| {
            let (value, target) = if *ignore_case { (casefold(value), casefold(target)) } else { (value.to_string(), target.to_string()) };
            let found = value.contains(&target);
            (value, found)
        }),
        InspectScorer::Choice => {
            let count = reference.get("choices")?.as_u64()? as usize;
            choice(output, &targets, count)
        }
    })
}

/// Inspect's `str_match_scorer`: correct when any target matches; the answer is the last tried.
fn any_target(targets: &[&str], output: &str, check: impl Fn(&str, &str) -> (String, bool)) -> (String, bool) {
    let mut answer = String::new();
    for target in targets {
        let (found, matched) = check(output, target);
        if matched {
            return (found, true);
        }
        answer = found;
    }
    (answer, false)
}

/// Python's `str.casefold` for the letters where it differs from lowercasing.
fn casefold(text: &str) -> String {
    text.to_lowercase().replace('ß', "ss").replace('ς', "σ")
}

/// Python's `str.strip(string.whitespace + string.punctuation)`.
fn strip_punctuation(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii_punctuation() || " \t\n\r\x0b\x0c".contains(c))
}

/// Inspect's `strip_numeric_punctuation`: currency signs, thousands separators and formatting
/// marks (also LaTeX-escaped) removed, and a `.` not followed by a digit.
fn strip_numeric_punctuation(text: &str) -> String {
    let marks = |c: char| matches!(c, '$' | ',' | '£' | '€' | '*' | '_');
    let chars: Vec<char> = text.chars().collect();
    let mut kept = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let escape = c == '\\' && chars.get(i + 1).is_some_and(|&n| marks(n));
        if escape || marks(c) {
            continue;
        }
        kept.push(c);
    }
    let chars: Vec<char> = kept.chars().collect();
    chars.iter().enumerate().filter(|(i, &c)| c != '.' || chars.get(i + 1).is_some_and(|n| n.is_numeric())).map(|(_, c)| c).collect()
}

/// A finite number as Python's `float` reads it (ASCII forms), sentence punctuation around it
/// trimmed unless `trim` is false.
fn parse_number(word: &str, trim: bool) -> Option<f64> {
    let word = if trim { word.trim_matches(|c: char| "!?:;()[]{}'\"`".contains(c)) } else { word };
    let digits = word.replace('_', "");
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    let number: f64 = if valid { digits.parse().ok()? } else { return None };
    number.is_finite().then_some(number)
}

/// Inspect's `normalize_number`: the number to five significant digits (Python's `.5g`), or
/// the word as it was when it is not one.
fn normalize_number(word: &str, trim: bool) -> String {
    parse_number(word, trim).map_or_else(|| word.to_string(), python_g5)
}

/// Python's `format(x, ".5g")`.
fn python_g5(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let scientific = format!("{x:.4e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let trim = |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if (-4..5).contains(&exponent) {
        trim(format!("{x:.*}", (4 - exponent) as usize))
    } else {
        format!("{}e{}{:02}", trim(mantissa.to_string()), if exponent < 0 { '-' } else { '+' }, exponent.abs())
    }
}

/// Inspect's `match_str`: (the answer it records, whether it matches).
fn match_str(value: &str, target: &str, location: MatchLocation, ignore_case: bool, numeric: bool) -> (String, bool) {
    let answer = value.trim().to_string();
    let (mut v, mut t) = (answer.clone(), target.trim().to_string());
    if ignore_case {
        (v, t) = (casefold(&v), casefold(&t));
    }
    if numeric {
        t = strip_numeric_punctuation(&t);
    }
    if numeric && parse_number(&t, true).is_some() {
        let v = strip_numeric_punctuation(&v);
        let t = normalize_number(&t, true);
        let words = v.split(char::is_whitespace).filter(|w| !w.is_empty());
        let first = |mut words: Box<dyn Iterator<Item = &str> + '_>| {
            words.find(|w| parse_number(w, true).is_some()).map(|w| normalize_number(w, true)).unwrap_or_default()
        };
        let v = match location {
            MatchLocation::Begin => first(Box::new(words)),
            MatchLocation::End => first(Box::new(words.collect::<Vec<_>>().into_iter().rev())),
            MatchLocation::Exact => normalize_number(&v, false),
            MatchLocation::Any => {
                return match words.filter(|w| parse_number(w, true).is_some()).map(|w| normalize_number(w, true)).find(|n| *n == t) {
                    Some(number) => (number, true),
                    None => (answer, false),
                };
            }
        };
        let matched = v == t;
        return (v, matched);
    }
    let (v, t) = (strip_punctuation(&v), strip_punctuation(&t));
    let matched = match location {
        MatchLocation::Begin => v.starts_with(t),
        MatchLocation::End => v.ends_with(t),
        MatchLocation::Exact => v == t,
        MatchLocation::Any => v.contains(t),
    };
    (answer, matched)
}

static DOLLARS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$\s*([A-Za-z\d][A-Za-z\d ,]*?)\s*\$").expect("valid"));
static BOLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\*\*\s*([A-Za-z\d][A-Za-z\d ,]*?)\s*\*\*").expect("valid"));
static PARENTHESISED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(^|[:,])(\s*)\(([A-Za-z\d])\)").expect("valid"));
static BEFORE_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(?:,|\.|\n|$)").expect("valid"));
static STRICT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?im)^ANSWER\s*:\s*([A-Za-z\d ,]+)\s*(?:$|\n|\.)").expect("valid"));
static LENIENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)ANSWER\s*:\s*([A-Za-z\d ,]+)(?:[^\w]|\n|$|\.)").expect("valid"));

/// Inspect's letter for a choice's position: A–Z, then numbers.
fn answer_character(index: usize) -> String {
    if index < 26 {
        char::from(b'A' + index as u8).to_string()
    } else {
        (index - 25).to_string()
    }
}

/// The single answer the `multiple_choice` solver reads from a generation (`parse_answers`).
fn parse_answer(output: &str, count: usize) -> Option<String> {
    let text = DOLLARS.replace_all(output, "$1");
    let text = BOLD.replace_all(&text, "$1");
    // `(B)` after a colon or comma, when a comma, full stop, newline or the end follows.
    let mut unwrapped = String::with_capacity(text.len());
    let mut last = 0;
    for found in PARENTHESISED.captures_iter(&text) {
        let whole = found.get(0).expect("match");
        if !BEFORE_END.is_match(&text[whole.end()..]) {
            continue;
        }
        unwrapped.push_str(&text[last..whole.start()]);
        unwrapped.extend([&found[1], &found[2], &found[3]]);
        last = whole.end();
    }
    unwrapped.push_str(&text[last..]);
    let strict: Vec<_> = STRICT.captures_iter(&unwrapped).map(|c| c[1].to_string()).collect();
    let found = if strict.is_empty() { LENIENT.captures_iter(&unwrapped).map(|c| c[1].to_string()).collect() } else { strict };
    let matched = found.last()?.trim().trim_end_matches('.').to_uppercase();
    let tokens: Vec<&str> = matched.split(',').filter(|t| !t.is_empty()).collect();
    let allowed = |token: &str| (0..count).any(|i| answer_character(i) == token);
    match tokens.as_slice() {
        [token] if allowed(token) => Some(token.to_string()),
        _ => None,
    }
}

/// A choice letter's position, as Inspect's `answer_index` reads it.
fn answer_index(token: &str) -> Option<usize> {
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_alphabetic() => (c.to_ascii_uppercase() as usize).checked_sub('A' as usize),
        _ => token.parse::<usize>().ok().map(|n| n + 25),
    }
}

/// Inspect's `choice` scorer after the `multiple_choice` solver (one answer, choices in order).
fn choice(output: &str, targets: &[&str], count: usize) -> (String, bool) {
    let mut wanted: Vec<usize> = Vec::new();
    for target in targets {
        for token in target.replace(',', " ").split_whitespace() {
            if token.chars().all(char::is_numeric) {
                wanted.extend(answer_index(token));
            } else {
                wanted.extend(token.chars().filter_map(|c| answer_index(&c.to_string())));
            }
        }
    }
    wanted.sort_unstable();
    let chosen = parse_answer(output, count);
    let positions: Vec<usize> = chosen.iter().filter_map(|a| answer_index(a)).collect();
    (chosen.unwrap_or_default(), positions == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(value: &str, target: &str, location: MatchLocation, numeric: bool) -> (String, bool) {
        match_str(value, target, location, true, numeric)
    }

    #[test]
    fn numbers_are_matched_as_inspect_matches_them() {
        assert_eq!(matches("So the total is $1,800.", "1800", MatchLocation::End, true), ("1800".into(), true));
        assert_eq!(matches("18 is what we get, not 36.", "18", MatchLocation::End, true), ("36".into(), false));
        assert_eq!(matches("18 is what we get, not 36.", "18", MatchLocation::Begin, true), ("18".into(), true));
        assert_eq!(matches("It is 3.50 or (18)!", "18", MatchLocation::Any, true), ("18".into(), true));
        assert!(!matches("125", "25", MatchLocation::End, true).1);
        assert!(!matches("(42)", "42", MatchLocation::Exact, true).1);
        assert!(matches("The Answer: PARIS.", "paris", MatchLocation::End, false).1);
        assert_eq!(python_g5(123456.0), "1.2346e+05");
        assert_eq!(python_g5(0.0001234), "0.0001234");
        assert_eq!(python_g5(0.00001234), "1.234e-05");
        assert_eq!(python_g5(18.0), "18");
        assert_eq!(python_g5(2.5), "2.5");
        assert_eq!(strip_numeric_punctuation("\\$1,000. and 3.5"), "1000 and 3.5");
    }

    /// Every verdict and answer of Inspect's own scorers on 8,000 generated shapes
    /// (`scripts/compat/inspect_scorers.py`) is reproduced.
    #[test]
    fn verdicts_agree_with_inspects_own_scorers() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/inspect/scorers.jsonl");
        let text = std::fs::read_to_string(path).unwrap();
        let mut differences = Vec::new();
        let mut count = 0;
        for line in text.lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let scorer: InspectScorer = serde_json::from_value(case["scorer"].clone()).unwrap();
            let mut reference = serde_json::json!({"target": case["target"]});
            if let Some(n) = case.get("choices") {
                reference["choices"] = n.clone();
            }
            let output = case["output"].as_str().unwrap();
            let ours = score(&scorer, output, &reference.to_string()).unwrap();
            let theirs = (case["answer"].as_str().unwrap().to_string(), case["correct"].as_bool().unwrap());
            count += 1;
            if ours != theirs {
                differences.push(format!("{scorer:?} {output:?} {}: ours {ours:?}, Inspect's {theirs:?}", case["target"]));
            }
        }
        assert!(count > 8000, "{count}");
        assert!(
            differences.is_empty(),
            "{} of {count} differ:\n{}",
            differences.len(),
            differences[..differences.len().min(30)].join("\n")
        );
    }

    #[test]
    fn choices_are_read_as_the_multiple_choice_solver_reads_them() {
        assert_eq!(parse_answer("ANSWER: B", 4).as_deref(), Some("B"));
        assert_eq!(parse_answer("The answer is (B).\nANSWER: b", 4).as_deref(), Some("B"));
        assert_eq!(parse_answer("I think ANSWER: **C**.", 4).as_deref(), Some("C"));
        assert_eq!(parse_answer("ANSWER: (D)", 4).as_deref(), Some("D"));
        assert_eq!(parse_answer("ANSWER: E", 4), None);
        assert_eq!(parse_answer("I am not sure.", 4), None);
        assert_eq!(choice("ANSWER: B", &["B"], 4), ("B".into(), true));
        assert_eq!(choice("ANSWER: A", &["B"], 4), ("A".into(), false));
    }
}
