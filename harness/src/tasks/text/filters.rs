//! lm-evaluation-harness's filters over one generation: `regex` (Python's `re.findall`, then the
//! `group_select`-th match, the first non-empty group of a match with several, stripped; the
//! fallback when nothing matches), `take_first`, `remove_whitespace`, `lowercase`, `uppercase`.

use crate::spec::suite::{FilterSpec, TextSpec};

/// The answer left after the suite's filters, applied in order to `output`.
pub fn apply(spec: &TextSpec, output: &str) -> String {
    let compiled = &spec.regexes().filters;
    let mut answer = output.to_string();
    for (filter, regex) in spec.filter.iter().zip(compiled) {
        answer = match filter.get_ref() {
            FilterSpec::Regex { group_select, fallback, .. } => {
                regex.as_ref().and_then(|r| find(r, *group_select, &answer)).unwrap_or_else(|| fallback.clone())
            }
            // Each item has one response, so the first is the response.
            FilterSpec::TakeFirst => answer,
            FilterSpec::RemoveWhitespace => answer.trim().to_string(),
            FilterSpec::Lowercase => answer.to_lowercase(),
            FilterSpec::Uppercase => answer.to_uppercase(),
        };
    }
    answer
}

/// `re.findall(pattern, text)[group_select]`, as lm-eval's regex filter reads it.
fn find(regex: &regex::Regex, group_select: i64, text: &str) -> Option<String> {
    let groups = regex.captures_len() - 1;
    let found: Vec<String> = regex
        .captures_iter(text)
        .map(|c| match groups {
            0 => c.get(0).map_or("", |m| m.as_str()).to_string(),
            1 => c.get(1).map_or("", |m| m.as_str()).to_string(),
            // Several groups: findall gives a tuple; lm-eval takes its first non-empty part.
            _ => (1..=groups).filter_map(|g| c.get(g)).map(|m| m.as_str()).find(|s| !s.is_empty()).unwrap_or("").to_string(),
        })
        .collect();
    let index = if group_select < 0 { found.len() as i64 + group_select } else { group_select };
    let chosen = found.get(usize::try_from(index).ok()?)?;
    Some(chosen.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Spanned;

    fn regex(pattern: &str, group_select: i64) -> Spanned<FilterSpec> {
        let spec = FilterSpec::Regex { regex_pattern: pattern.into(), group_select, fallback: "[invalid]".into() };
        Spanned::new(0..0, spec)
    }

    /// A generation suite with these filters.
    fn suite(filters: &[Spanned<FilterSpec>]) -> TextSpec {
        let mut spec: TextSpec = toml::from_str("output_type = \"generate_until\"\ndoc_to_text = \"q\"\ndoc_to_target = \"a\"").unwrap();
        spec.filter = filters.to_vec();
        spec
    }

    fn apply(filters: &[Spanned<FilterSpec>], output: &str) -> String {
        super::apply(&suite(filters), output)
    }

    #[test]
    fn gsm8k_strict_and_flexible_extraction_as_lm_eval_does_it() {
        let output = " Natalia sold 48/2 = 24 clips in May.\nShe sold 48+24 = 72 clips.\n#### 72";
        assert_eq!(apply(&[regex(r"#### (\-?[0-9\.\,]+)", 0)], output), "72");
        assert_eq!(apply(&[regex(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)], output), "72");
        assert_eq!(apply(&[regex(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)], "The answer is $1,000."), "$1,000.");
        // A tuple whose first group is empty gives its second.
        assert_eq!(apply(&[regex(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)], "so 7"), "7");
        assert_eq!(apply(&[regex(r"#### (\-?[0-9\.\,]+)", 0)], "no marker"), "[invalid]");
        assert_eq!(apply(&[regex(r"#### (\-?[0-9\.\,]+)", 3)], "#### 1"), "[invalid]");
        let chain = [Spanned::new(0..0, FilterSpec::RemoveWhitespace), Spanned::new(0..0, FilterSpec::Lowercase)];
        assert_eq!(apply(&chain, "  Yes \n"), "yes");
    }
}
