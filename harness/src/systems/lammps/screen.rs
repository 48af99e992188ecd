//! LAMMPS inputs are code: `shell` runs a host command, `python` and `fix python/…` run Python,
//! `plugin` loads a shared library, and a file path may reach outside the run's directory. An
//! input, live or from a bundle, is screened before LAMMPS sees it; what runs host code is refused
//! at its line unless the user's own system config allows that command by name, and an absolute
//! or `..` path is always refused.

use crate::error::{Error, Result};
use std::path::Path;

/// Commands that run code on the host.
const HOST_CODE: &[&str] = &["shell", "python", "plugin"];

/// `include`d files are screened too, this deep.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Screens `input` (and the files it includes from `dir`), allowing the commands in `allowed`.
pub fn screen(input: &Path, dir: &Path, allowed: &[String]) -> Result<()> {
    screen_file(input, dir, allowed, 0, &mut std::collections::HashSet::new())
}

/// `seen` holds the files already screened: each is read once, however often it is included.
fn screen_file(
    input: &Path,
    dir: &Path,
    allowed: &[String],
    depth: usize,
    seen: &mut std::collections::HashSet<std::path::PathBuf>,
) -> Result<()> {
    let text = std::fs::read(input).map_err(|e| Error::in_file(input, e))?;
    let text = String::from_utf8_lossy(&text);
    for (line, command) in logical_lines(&text) {
        let refuse = |why: String| Error::at(input, line, 1, why);
        let words = words(&command);
        check_command(&words, allowed).map_err(refuse)?;
        if let (Some("include"), Some(name)) = (words.first().map(String::as_str), words.get(1)) {
            if depth >= MAX_INCLUDE_DEPTH {
                return Err(refuse(format!("includes nest deeper than {MAX_INCLUDE_DEPTH}")));
            }
            let included = dir.join(name);
            if included.is_file() && seen.insert(included.clone()) {
                screen_file(&included, dir, allowed, depth + 1, seen)?;
            }
        }
    }
    Ok(())
}

/// Why a command (as words) may not run, if it may not.
fn check_command(words: &[String], allowed: &[String]) -> std::result::Result<(), String> {
    let Some(name) = words.first() else { return Ok(()) };
    let permitted = |what: &str| allowed.iter().any(|a| a == what);
    let refuse = |what: &str| {
        Err(format!(
            "`{what}` runs code on the host, and claimbench does not run it from data; a system config of your own may allow it with allow_commands = [\"{what}\"]"
        ))
    };
    if name.contains('$') {
        return Err(format!("the command name '{name}' comes from a variable, so what would run cannot be screened"));
    }
    if HOST_CODE.contains(&name.as_str()) && !permitted(name) {
        return refuse(name);
    }
    // fix ID GROUP python/invoke …, variable NAME python FUNC
    let style = match name.as_str() {
        "fix" | "compute" => words.get(3),
        "variable" => words.get(2),
        _ => None,
    };
    if let Some(style) = style.filter(|s| s.starts_with("python")) {
        if !permitted("python") {
            return refuse(&format!("{name} … {style}"));
        }
    }
    for word in &words[1..] {
        if escapes(word) {
            return Err(format!("the path '{word}' leads outside the run's directory"));
        }
    }
    // `if … then "CMD" …` and `run N every M "CMD" …` run their quoted commands.
    if name == "if" || name == "run" {
        for quoted in words[1..].iter().filter(|w| w.contains(char::is_whitespace) || HOST_CODE.contains(&w.as_str())) {
            check_command(&self::words(quoted), allowed)?;
        }
    }
    Ok(())
}

/// An absolute path or one with a `..` component.
fn escapes(word: &str) -> bool {
    let absolute = word.starts_with('/') && word[1..].starts_with(|c: char| c.is_alphanumeric() || c == '.' || c == '_');
    absolute || word.split('/').any(|part| part == "..")
}

/// Lines joined where they end in `&`, without comments, with the line each starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (number, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = number + 1;
        }
        let line = without_comment(raw);
        match line.trim_end().strip_suffix('&') {
            Some(continued) => {
                current.push_str(continued);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.is_empty() {
        lines.push((start, current));
    }
    lines
}

fn without_comment(line: &str) -> &str {
    let mut quote = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') => return &line[..at],
            _ => {}
        }
    }
    line
}

/// Whitespace-separated words, a quoted string (single, double or triple quotes) as one word
/// without its quotes.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let (word, after) = if let Some(inner) = rest.strip_prefix("\"\"\"") {
            inner.split_once("\"\"\"").unwrap_or((inner, ""))
        } else if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            rest[1..].split_once(quote).unwrap_or((&rest[1..], ""))
        } else {
            rest.split_once(char::is_whitespace).unwrap_or((rest, ""))
        };
        words.push(word.to_string());
        rest = after.trim_start();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_included_many_times_is_screened_once() {
        let dir = crate::fsutil::ScratchDir::new("screen-test").unwrap();
        let path = dir.path().join("in.loop");
        // Every level including itself 50 times would be 50^8 screenings without `seen`.
        std::fs::write(&path, "include in.loop\n".repeat(50)).unwrap();
        let started = std::time::Instant::now();
        screen(&path, dir.path(), &[]).unwrap();
        assert!(started.elapsed().as_secs() < 5);
    }

    fn verdict(input: &str, allowed: &[&str]) -> std::result::Result<(), String> {
        let dir = crate::fsutil::ScratchDir::new("screen-test").unwrap();
        let path = dir.path().join("in.test");
        std::fs::write(&path, input).unwrap();
        std::fs::write(dir.path().join("in.inner"), "shell rm -rf x\n").unwrap();
        let allowed: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        screen(&path, dir.path(), &allowed).map_err(|e| e.to_string())
    }

    #[test]
    fn host_code_and_escaping_paths_are_refused_at_their_line() {
        assert!(verdict(&std::fs::read_to_string("../datasets/lammps-bench/in.lj").unwrap(), &[]).is_ok());
        assert!(verdict(&std::fs::read_to_string("../datasets/lammps-bench/in.eam").unwrap(), &[]).is_ok());
        let refused = [
            ("units lj\nshell touch FILE\n", ":2:1:", "`shell` runs code on the host"),
            ("shell \"sleep 1e9 &\"\n", ":1:1:", "`shell`"),
            ("units lj\nrun 10 every 5 &\n  \"shell touch x\"\n", ":2:1:", "`shell`"),
            ("if \"1 > 0\" then \"print hi\" \"python f invoke\"\n", ":1:1:", "`python`"),
            ("fix 1 all python/invoke 10 end_of_step f\n", ":1:1:", "python/invoke"),
            ("variable f python g\n", ":1:1:", "variable … python"),
            ("plugin load /x.so\n", ":1:1:", "`plugin`"),
            ("variable c string shell\n${c} touch x\n", ":2:1:", "comes from a variable"),
            ("read_data /etc/passwd\n", ":1:1:", "'/etc/passwd' leads outside"),
            ("pair_coeff * * ../../secret.eam\n", ":1:1:", "'../../secret.eam' leads outside"),
            ("include in.inner\n", "in.inner:1:1:", "`shell`"),
        ];
        for (input, place, why) in refused {
            let error = verdict(input, &[]).unwrap_err();
            assert!(error.contains(place) && error.contains(why), "{input:?}: {error}");
        }
        // Comments, math and quoted text are not commands.
        assert!(verdict("# shell touch x\nvariable a equal 4 / 2 # python\nprint \"shell out\"\n", &[]).is_ok());
        // The user's own config may allow a command by name; paths stay confined.
        assert!(verdict("shell echo hi\n", &["shell"]).is_ok());
        assert!(verdict("shell cat /etc/passwd\n", &["shell"]).is_err());
    }
}
