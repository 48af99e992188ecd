//! Jinja templates over a record, as lm-evaluation-harness renders them: an undefined name is an
//! error (not an empty string), a trailing newline is kept, `regex_replace` is Python's `re.sub`,
//! and the Python methods templates call (`str.split`, `list.index`, …) work. Templates are data:
//! they read the record and nothing else (no includes, no file or network access).

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

/// The environment every template of a text suite renders in.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    // A template renders a record into a prompt: bound how deep it may recurse and how much it
    // may write, so a hostile suite cannot exhaust memory.
    env.set_recursion_limit(64);
    env.set_fuel(Some(1_000_000));
    env.add_filter("regex_replace", regex_replace);
    env.set_unknown_method_callback(python_method);
    env
}

/// Why `template` does not compile, in one line.
pub fn check(template: &str) -> Result<(), String> {
    environment().template_from_str(template).map(|_| ()).map_err(|e| one_line(&e))
}

/// The expression of a template that is one `{{ … }}` and nothing else, whose value (a list, a
/// number) is then used as it is rather than as text.
pub fn sole_expression(template: &str) -> Option<&str> {
    let inner = template.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%")).then_some(inner.trim())
}

/// A template error as one line: what went wrong and where in the template.
pub fn one_line(e: &Error) -> String {
    let mut message = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    if let Some(line) = e.line() {
        message.push_str(&format!(" (template line {line})"));
    }
    message
}

fn regex_replace(text: String, pattern: String, replacement: String, count: Option<usize>) -> Result<String, Error> {
    let regex = regex::Regex::new(&pattern).map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("regex_replace: {e}")))?;
    // Python's `\1` group references are `${1}` here.
    let replacement = python_replacement(&replacement);
    Ok(regex.replacen(&text, count.unwrap_or(0), replacement.as_str()).into_owned())
}

fn python_replacement(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let digit = chars.next().unwrap_or('0');
                out.push_str(&format!("${{{digit}}}"));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Python's methods on strings, lists and dicts that templates call; `list.index` on top of
/// minijinja-contrib's set.
fn python_method(state: &State, value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    if value.kind() == ValueKind::Seq && method == "index" {
        let [wanted] = args else { return Err(Error::new(ErrorKind::InvalidOperation, "list.index takes one argument")) };
        let position = value.try_iter()?.position(|item| &item == wanted);
        return position.map(Value::from).ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("{wanted} is not in the list")));
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, record: serde_json::Value) -> Result<String, String> {
        environment().render_str(template, record).map_err(|e| one_line(&e))
    }

    #[test]
    fn templates_render_as_lm_eval_renders_them() {
        let record =
            json!({"question": "2+2?", "choices": {"label": ["A", "B"], "text": ["3", "4"]}, "answerKey": "B", "answer": "so #### 4"});
        assert_eq!(render("Question: {{question}}\nAnswer:", record.clone()).unwrap(), "Question: 2+2?\nAnswer:");
        assert_eq!(render("{{question}}\n", record.clone()).unwrap(), "2+2?\n");
        assert_eq!(render("{{choices.label.index(answerKey)}}", record.clone()).unwrap(), "1");
        assert_eq!(render("{{answer.split('#### ')[-1].rstrip()}}", record.clone()).unwrap(), "4");
        assert_eq!(render("{{ question | regex_replace('(\\\\d)\\\\+', '\\\\1 plus ') }}", record.clone()).unwrap(), "2 plus 2?");
        assert!(render("{{missing}}", record.clone()).unwrap_err().contains("undefined"));
        assert!(render("{{choices.label.index('Z')}}", record).unwrap_err().contains("is not in the list"));
        assert!(check("{{ unclosed").unwrap_err().contains("syntax error"));
        // A runaway loop is stopped, not run to exhaustion.
        assert!(render("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", json!({})).is_err());
    }

    #[test]
    fn a_lone_expression_is_found() {
        assert_eq!(sole_expression("{{choices.text}}"), Some("choices.text"));
        assert_eq!(sole_expression("{{ a }} and {{ b }}"), None);
        assert_eq!(sole_expression("Q: {{ a }}"), None);
    }
}
