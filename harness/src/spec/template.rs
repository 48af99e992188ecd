//! Prompt templates: `{name}` stands for the field `name` of the item; `{{` and `}}` for literal
//! braces. A suite's placeholders are checked against the fields its task offers when the suite
//! is read, so that a misspelt one is an error at its line rather than `{nosuch}` sent to a model.

/// The placeholders of `template`, in order; an unmatched brace is an error.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    walk(template, |piece| {
        if let Piece::Field(name) = piece {
            found.push(name);
        }
    })?;
    Ok(found)
}

/// `template` with each placeholder replaced by its field's value (values are not scanned for
/// braces); a placeholder without a field is left as written (suites are checked beforehand).
pub fn render(template: &str, fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let walked = walk(template, |piece| match piece {
        Piece::Text(text) => out.push_str(text),
        Piece::Field(name) => match fields.iter().find(|(field, _)| *field == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        },
    });
    match walked {
        Ok(()) => out,
        Err(_) => template.to_string(),
    }
}

/// Checks that every placeholder of `template` is one of `offered`; the message names the first
/// that is not, and what is offered.
pub fn check(template: &str, offered: &[&str]) -> Result<(), String> {
    for name in placeholders(template)? {
        if !offered.contains(&name) {
            let known: Vec<String> = offered.iter().map(|f| format!("{{{f}}}")).collect();
            return Err(format!(
                "placeholder {{{name}}} names no field of the item (this task offers {}); write {{{{ and }}}} for literal braces",
                known.join(", ")
            ));
        }
    }
    Ok(())
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn walk<'a>(template: &'a str, mut visit: impl FnMut(Piece<'a>)) -> Result<(), String> {
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        visit(Piece::Text(&rest[..at]));
        let brace = rest.as_bytes()[at];
        let after = &rest[at + 1..];
        if after.as_bytes().first() == Some(&brace) {
            visit(Piece::Text(&rest[at..at + 1]));
            rest = &after[1..];
            continue;
        }
        if brace == b'}' {
            return Err("a lone '}' in the template: write }} for a literal brace".to_string());
        }
        let end = after.find(['}', '{']).filter(|&end| after.as_bytes()[end] == b'}');
        let Some(end) = end else {
            return Err("a '{' without its '}' in the template: write {{ for a literal brace".to_string());
        };
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("'{{{name}}}' is not a placeholder: write {{{{ and }}}} for literal braces"));
        }
        visit(Piece::Field(name));
        rest = &after[end + 1..];
    }
    visit(Piece::Text(rest));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_double_braces_are_literal() {
        let fields = [("question", "What is {x}?"), ("answer", "4")];
        assert_eq!(render("Q: {question}\nA: {answer}", &fields), "Q: What is {x}?\nA: 4");
        assert_eq!(render("{{\"json\": {answer}}}", &fields), "{\"json\": 4}");
        assert_eq!(placeholders("a {question} b {{c}} {answer}").unwrap(), vec!["question", "answer"]);
        assert!(check("{question} {nosuch}", &["question"]).unwrap_err().contains("{nosuch} names no field"));
        assert!(check("{question", &["question"]).unwrap_err().contains("without its '}'"));
        assert!(check("question}", &["question"]).unwrap_err().contains("lone '}'"));
        assert!(check("{a b}", &["question"]).unwrap_err().contains("is not a placeholder"));
        assert!(check("{{question}} {question}", &["question"]).is_ok());
    }
}
