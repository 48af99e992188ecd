//! lm-evaluation-harness task files (YAML) as claimbench text suites: `include:` merged as
//! lm-eval merges it (included files first, the file's own keys win), the keys of a text suite
//! carried over under the same names, one suite per entry of `filter_list`. Whatever would change
//! what is measured and cannot be carried over exactly — a `!function` hook (Python code from
//! the task's folder, which claimbench never runs), an unknown key, a metric or filter it does
//! not compute — is refused by name with its file and line, never dropped.

use crate::error::{Error, Result};
use crate::fsutil::read_to_string;
use serde_json::{Map, Value};
use std::path::{Component, Path, PathBuf};

/// One suite made from a task file.
#[derive(Debug, Clone)]
pub struct ImportedSuite {
    pub file_name: String,
    pub toml: String,
}

/// Keys that change nothing claimbench measures: accepted and left out.
const IGNORED: &[&str] =
    &["tag", "should_decontaminate", "doc_to_decontamination_query", "training_split", "validation_split", "fewshot_split"];
const CARRIED: &[&str] = &[
    "task",
    "dataset_path",
    "dataset_name",
    "dataset_kwargs",
    "test_split",
    "output_type",
    "description",
    "doc_to_text",
    "doc_to_target",
    "doc_to_choice",
    "target_delimiter",
    "fewshot_delimiter",
    "num_fewshot",
    "generation_kwargs",
    "filter_list",
    "metric_list",
    "metadata",
    "repeats",
];

/// A merged task file: each key with its value and the file that set it.
struct TaskFile {
    keys: Vec<(String, Value, PathBuf)>,
}

impl TaskFile {
    fn get(&self, key: &str) -> Option<&Value> {
        self.keys.iter().find(|(k, ..)| k == key).map(|(_, v, _)| v)
    }

    /// An error about `key`, at the line of the file that set it.
    fn error(&self, key: &str, message: impl std::fmt::Display) -> Error {
        match self.keys.iter().find(|(k, ..)| k == key) {
            Some((_, _, file)) => match line_of_key(file, key) {
                Some(line) => Error::at_line(file, line, message),
                None => Error::in_file(file, message),
            },
            None => Error::new(message.to_string()),
        }
    }

    fn text(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(key, format!("'{key}' must be text, found {other}"))),
        }
    }
}

fn line_of_key(file: &Path, key: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().position(|l| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':'))).map(|i| i + 1)
}

/// Reads `path` with its includes.
fn load(path: &Path, seen: &mut Vec<PathBuf>) -> Result<TaskFile> {
    let canonical = path.canonicalize().map_err(|e| Error::in_file(path, e))?;
    if seen.contains(&canonical) {
        return Err(Error::in_file(path, "includes itself (an include cycle)"));
    }
    seen.push(canonical);
    let text = read_to_string(path)?;
    // `!function` (or any tag) names Python code to run: refused before parsing.
    let tagged = regex::Regex::new(r"(?:^\s*(?:-\s+)?|:\s+)!([A-Za-z_][\w.:/-]*)").expect("a valid pattern");
    if let Some((i, tag)) = text.lines().enumerate().find_map(|(i, l)| Some((i, tagged.captures(l)?.get(1)?.as_str()))) {
        return Err(Error::at_line(
            path,
            i + 1,
            format!("'!{tag}' names Python code from the task's folder, which claimbench never runs; write it as a Jinja template over the record instead"),
        ));
    }
    let parsed: serde_norway::Value = serde_norway::from_str(&text).map_err(|e| match e.location() {
        Some(at) => Error::at(path, at.line(), at.column(), format!("invalid YAML: {e}")),
        None => Error::in_file(path, format!("invalid YAML: {e}")),
    })?;
    let value: Value = serde_json::to_value(&parsed).map_err(|e| Error::in_file(path, format!("unsupported YAML value: {e}")))?;
    let Value::Object(mut map) = value else { return Err(Error::in_file(path, "expected a mapping of task keys")) };
    let mut keys: Vec<(String, Value, PathBuf)> = Vec::new();
    if let Some(include) = map.remove("include") {
        let includes = match include {
            Value::String(s) => vec![s],
            Value::Array(list) => list.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => {
                return Err(Error::at_line(
                    path,
                    line_of_key(path, "include").unwrap_or(1),
                    "'include' must name a file or a list of files",
                ))
            }
        };
        for name in includes {
            // lm-eval's includes are task files (some named `_default_template_yaml`); nothing
            // else is read through them.
            if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with("_yaml")) {
                return Err(Error::at_line(
                    path,
                    line_of_key(path, "include").unwrap_or(1),
                    format!("include '{name}' is not a YAML task file"),
                ));
            }
            let included = path.parent().unwrap_or(Path::new(".")).join(&name);
            for (key, value, file) in load(&included, seen)?.keys {
                keys.retain(|(k, ..)| *k != key);
                keys.push((key, value, file));
            }
        }
    }
    for (key, value) in map {
        keys.retain(|(k, ..)| *k != key);
        keys.push((key, value, path.to_path_buf()));
    }
    Ok(TaskFile { keys })
}

/// The suites a task file declares, written to be saved in `out_dir`; `data` is the dataset
/// folder when the task names a Hugging Face hub dataset (or to use another copy).
pub fn import(path: &Path, data: Option<&Path>, out_dir: &Path) -> Result<Vec<ImportedSuite>> {
    // Every error names the task file, also one about a file it includes or reads.
    import_suites(path, data, out_dir).map_err(|e| {
        if e.message().contains(&path.display().to_string()) {
            e
        } else {
            e.context(path.display())
        }
    })
}

fn import_suites(path: &Path, data: Option<&Path>, out_dir: &Path) -> Result<Vec<ImportedSuite>> {
    let task = load(path, &mut Vec::new())?;
    if task.get("group").is_some() || task.get("task").is_some_and(Value::is_array) {
        // The task files are indexed once, for the group and every group nested in it.
        let index = task_index(folder_of(path))?;
        return import_group(&task, path, &index, data, out_dir, &mut Vec::new());
    }
    for (key, ..) in &task.keys {
        if !CARRIED.contains(&key.as_str()) && !IGNORED.contains(&key.as_str()) {
            return Err(task.error(key, format!("key '{key}' is not supported for import (claimbench never drops a task key silently)")));
        }
    }
    let name = task.text("task")?.ok_or_else(|| Error::in_file(path, "names no task ('task:')"))?;
    let output_type = task.text("output_type")?.unwrap_or_else(|| "generate_until".to_string());
    if !matches!(output_type.as_str(), "generate_until" | "multiple_choice" | "loglikelihood" | "loglikelihood_rolling") {
        return Err(task.error(
            "output_type",
            format!("output_type '{output_type}' is not one of generate_until, multiple_choice, loglikelihood, loglikelihood_rolling"),
        ));
    }
    if task.get("repeats").and_then(Value::as_u64).unwrap_or(1) > 1 {
        return Err(task.error("repeats", "repeats above 1 are not supported yet"));
    }

    let mut text = Map::new();
    text.insert("output_type".into(), output_type.clone().into());
    for key in ["description", "doc_to_text", "target_delimiter", "fewshot_delimiter"] {
        if let Some(value) = task.text(key)? {
            text.insert(key.into(), value.into());
        }
    }
    for key in ["doc_to_target", "doc_to_choice"] {
        match task.get(key) {
            None | Some(Value::Null) => {}
            Some(v @ (Value::String(_) | Value::Number(_))) => drop(text.insert(key.into(), v.clone())),
            Some(Value::Array(list)) if key == "doc_to_choice" && list.iter().all(Value::is_string) => {
                drop(text.insert(key.into(), Value::Array(list.clone())))
            }
            Some(Value::Object(map)) if key == "doc_to_choice" && map.values().all(Value::is_string) => {
                drop(text.insert(key.into(), Value::Array(map.values().cloned().collect())))
            }
            Some(other) => return Err(task.error(key, format!("'{key}' must be a field, a template or a list of texts, found {other}"))),
        }
    }
    if output_type == "loglikelihood_rolling" {
        // lm-eval scores the target alone; its tasks leave the prompt empty or out.
        text.entry("doc_to_text").or_insert_with(|| "".into());
    }
    if !text.contains_key("doc_to_text") || !text.contains_key("doc_to_target") {
        return Err(Error::in_file(path, "a task needs doc_to_text and doc_to_target"));
    }
    let metrics = metrics_of(&task, &output_type, &mut text)?;
    let generation = generation_of(&task)?;
    let (dataset, fewshot_key) = dataset_of(&task, path, data, out_dir)?;
    // lm-eval's evaluator seeds the few-shot sampler with 1234 unless told otherwise.
    let fewshot = match task.get("num_fewshot").and_then(Value::as_u64).unwrap_or(0) {
        0 => None,
        k => {
            let mut table = serde_json::json!({ "k": k, "seed": 1234 });
            if let Some(key) = fewshot_key {
                table["file"] = key.into();
            }
            Some(table)
        }
    };
    let version = match task.get("metadata").and_then(|m| m.get("version")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "1".to_string(),
    };

    let filters: Vec<(Option<String>, Vec<Value>)> = match task.get("filter_list") {
        None | Some(Value::Null) => vec![(None, Vec::new())],
        Some(Value::Array(list)) => list
            .iter()
            .map(|entry| {
                let name = entry.get("name").and_then(Value::as_str).map(str::to_string);
                let chain = entry.get("filter").and_then(Value::as_array).cloned().unwrap_or_default();
                chain.iter().map(|f| filter_of(&task, f)).collect::<Result<Vec<_>>>().map(|c| (name, c))
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(task.error("filter_list", "'filter_list' must be a list of named filter chains")),
    };
    let mut suites = Vec::new();
    for (filter_name, chain) in filters {
        let id = match &filter_name {
            Some(f) if output_type == "generate_until" => format!("{name}-{f}"),
            _ => name.clone(),
        };
        let mut text = text.clone();
        if !chain.is_empty() {
            text.insert("filter".into(), Value::Array(chain));
        }
        let mut suite = Map::new();
        suite.insert("id".into(), id.clone().into());
        suite.insert("version".into(), version.clone().into());
        suite.insert(
            "description".into(),
            format!("Imported from lm-eval task '{name}'{}.", filter_name.map(|f| format!(", filter '{f}'")).unwrap_or_default()).into(),
        );
        suite.insert("task".into(), "text".into());
        suite.insert("metrics".into(), Value::Array(metrics.iter().map(|m| Value::from(*m)).collect()));
        suite.insert("dataset".into(), dataset.clone());
        suite.insert("text".into(), Value::Object(text));
        if let Some(generation) = &generation {
            suite.insert("generation".into(), generation.clone());
        }
        if let Some(fewshot) = &fewshot {
            suite.insert("fewshot".into(), fewshot.clone());
        }
        let toml = toml::to_string(&suite).map_err(|e| Error::in_file(path, format!("cannot write the suite: {e}")))?;
        let header = format!("# Imported from {} by `claimbench suites import-lm-eval`.\n", path.display());
        suites.push(ImportedSuite { file_name: format!("{id}.toml"), toml: header + &toml });
    }
    Ok(suites)
}

/// Keys of a group file; its aggregate is not a claimbench metric (each member is its own suite).
const GROUP_KEYS: &[&str] = &["group", "group_alias", "task", "aggregate_metric_list", "metadata"];
/// How deep groups may nest, and how many task files a group's folder may hold.
const MAX_GROUP_DEPTH: usize = 4;
const MAX_TASK_FILES: usize = 5_000;

/// The suites of every task a group file lists (lm-eval's `group:` with `task:` a list of task
/// names, tags or other groups), each found among the task files of `index` in the group file's
/// folder and below, by its `task:`, `tag:` or `group:` name.
fn import_group(
    group: &TaskFile,
    path: &Path,
    index: &[(PathBuf, TaskNames)],
    data: Option<&Path>,
    out_dir: &Path,
    seen: &mut Vec<String>,
) -> Result<Vec<ImportedSuite>> {
    for (key, ..) in &group.keys {
        if !GROUP_KEYS.contains(&key.as_str()) {
            return Err(group.error(key, format!("key '{key}' is not supported in a group file")));
        }
    }
    let name = group.text("group")?.unwrap_or_default();
    if seen.contains(&name) || seen.len() >= MAX_GROUP_DEPTH {
        return Err(group.error("group", format!("group '{name}' nests itself or more than {MAX_GROUP_DEPTH} groups deep")));
    }
    seen.push(name);
    let Some(Value::Array(members)) = group.get("task") else {
        return Err(group.error("task", "a group's 'task' must list the tasks it holds"));
    };
    let root = folder_of(path);
    let mut suites = Vec::new();
    for member in members {
        let Some(member) = member.as_str() else {
            return Err(
                group.error("task", "a task written inside a group file is not supported: give it its own task file and list its name")
            );
        };
        let files: Vec<&(PathBuf, TaskNames)> =
            index.iter().filter(|(file, names)| file.starts_with(root) && names.answers_to(member)).collect();
        if files.is_empty() {
            return Err(group.error("task", format!("task '{member}' is in no task file under {}", root.display())));
        }
        for (file, names) in files {
            let made = if names.group.as_deref() == Some(member) {
                import_group(&load(file, &mut Vec::new())?, file, index, data, out_dir, seen)?
            } else {
                import(file, data, out_dir)?
            };
            for suite in made {
                if !suites.iter().any(|s: &ImportedSuite| s.file_name == suite.file_name) {
                    suites.push(suite);
                }
            }
        }
    }
    seen.pop();
    Ok(suites)
}

/// The folder holding `path`: `.` for a bare file name, whose parent is the empty path.
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The names a task file answers to: its task, its tags, or the group it declares.
#[derive(Debug, Default, Clone)]
struct TaskNames {
    task: Option<String>,
    tags: Vec<String>,
    group: Option<String>,
    includes: Vec<String>,
}

impl TaskNames {
    fn answers_to(&self, name: &str) -> bool {
        // A tag names the tasks that carry it; a template file with tags and no task is none.
        self.task.as_deref() == Some(name)
            || self.group.as_deref() == Some(name)
            || (self.task.is_some() && self.tags.iter().any(|t| t == name))
    }

    /// Read from the file's top-level lines, without running or parsing anything else of it
    /// (a task file with a `!function` hook is still found, and refused when imported).
    fn of(text: &str) -> TaskNames {
        let mut names = TaskNames::default();
        // The list key whose `- item` lines follow.
        let mut in_list: Option<&str> = None;
        for line in text.lines() {
            let unquoted = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            if let Some(key) = in_list {
                if let Some(item) = line.trim_start().strip_prefix("- ").filter(|_| line.starts_with(' ') || line.starts_with('-')) {
                    names.list(key).push(unquoted(item));
                    continue;
                }
                in_list = None;
            }
            let Some((key, value)) = line.split_once(':').filter(|(k, _)| !k.starts_with([' ', '\t', '#', '-'])) else { continue };
            let value = value.split(" #").next().unwrap_or_default().trim();
            match key {
                "task" if !value.is_empty() => names.task = Some(unquoted(value)),
                "group" if !value.is_empty() => names.group = Some(unquoted(value)),
                "tag" | "include" if value.is_empty() => in_list = Some(if key == "tag" { "tag" } else { "include" }),
                "tag" | "include" => match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                    Some(list) => names.list(key).extend(list.split(',').map(unquoted).filter(|t| !t.is_empty())),
                    None => names.list(key).push(unquoted(value)),
                },
                _ => {}
            }
        }
        names
    }

    fn list(&mut self, key: &str) -> &mut Vec<String> {
        if key == "tag" {
            &mut self.tags
        } else {
            &mut self.includes
        }
    }

    /// The names with those of the files it includes under them, as lm-eval merges them (its
    /// own keys win): a task file that includes a template gets the template's tags.
    fn merged(self, folder: &Path, depth: usize) -> TaskNames {
        let mut merged = TaskNames::default();
        for include in self.includes.iter().take_while(|_| depth < MAX_GROUP_DEPTH) {
            let path = folder.join(include);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let included = TaskNames::of(&text).merged(path.parent().unwrap_or(folder), depth + 1);
            merged.task = included.task.or(merged.task);
            merged.group = included.group.or(merged.group);
            if !included.tags.is_empty() {
                merged.tags = included.tags;
            }
        }
        TaskNames {
            task: self.task.or(merged.task),
            group: self.group.or(merged.group),
            tags: if self.tags.is_empty() { merged.tags } else { self.tags },
            includes: self.includes,
        }
    }
}

/// Every YAML task file in `root` and below (no links, no hidden folders), with its names.
fn task_index(root: &Path) -> Result<Vec<(PathBuf, TaskNames)>> {
    let mut index = Vec::new();
    let mut folders = vec![(root.to_path_buf(), 0usize)];
    while let Some((folder, depth)) = folders.pop() {
        let mut entries: Vec<std::fs::DirEntry> =
            std::fs::read_dir(&folder).map_err(|e| Error::in_file(&folder, e))?.filter_map(std::result::Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            if kind.is_dir() && depth < 8 {
                folders.push((entry.path(), depth + 1));
            } else if kind.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                if index.len() >= MAX_TASK_FILES {
                    return Err(Error::in_file(root, format!("holds more than {MAX_TASK_FILES} task files; import from a smaller folder")));
                }
                let text = read_to_string(&entry.path())?;
                index.push((entry.path(), TaskNames::of(&text).merged(&folder, 0)));
            }
        }
    }
    Ok(index)
}

fn metrics_of(task: &TaskFile, output_type: &str, text: &mut Map<String, Value>) -> Result<Vec<&'static str>> {
    // lm-eval's metrics when a task lists none.
    let Some(Value::Array(list)) = task.get("metric_list") else {
        return Ok(match output_type {
            "multiple_choice" => vec!["accuracy"],
            "loglikelihood" => vec!["perplexity", "accuracy"],
            "loglikelihood_rolling" => vec!["word_perplexity", "byte_perplexity", "bits_per_byte"],
            _ => vec!["exact_match"],
        });
    };
    let mut metrics = Vec::new();
    for entry in list {
        let metric = entry.get("metric").and_then(Value::as_str).unwrap_or_default();
        // The name here, and lm-eval's aggregation of it (a mean, higher better, or a ratio of sums).
        let (name, aggregation) = match (metric, output_type) {
            ("acc", "multiple_choice" | "loglikelihood") => ("accuracy", "mean"),
            ("acc_norm", "multiple_choice") => ("acc_norm", "mean"),
            ("exact_match", "generate_until") => ("exact_match", "mean"),
            ("perplexity", "loglikelihood") => ("perplexity", "perplexity"),
            ("word_perplexity", "loglikelihood_rolling") => ("word_perplexity", "weighted_perplexity"),
            ("byte_perplexity", "loglikelihood_rolling") => ("byte_perplexity", "weighted_perplexity"),
            ("bits_per_byte", "loglikelihood_rolling") => ("bits_per_byte", "bits_per_byte"),
            _ => return Err(task.error("metric_list", format!("metric '{metric}' is not computed for {output_type} text suites"))),
        };
        let higher_is_better = aggregation == "mean";
        if entry.get("aggregation").is_some_and(|a| a != aggregation)
            || entry.get("higher_is_better").is_some_and(|h| *h != higher_is_better)
        {
            return Err(task.error(
                "metric_list",
                format!(
                    "metric '{metric}': only lm-eval's own aggregation ({aggregation}, higher_is_better: {higher_is_better}) is supported"
                ),
            ));
        }
        let mut options = Map::new();
        for (key, value) in entry.as_object().into_iter().flatten() {
            match key.as_str() {
                "metric" | "aggregation" | "higher_is_better" => {}
                option if name == "exact_match" && EXACT_MATCH_OPTIONS.contains(&option) => {
                    drop(options.insert(key.clone(), value.clone()))
                }
                _ => return Err(task.error("metric_list", format!("metric '{metric}': option '{key}' is not supported"))),
            }
        }
        if !options.is_empty() {
            text.insert("exact_match".into(), Value::Object(options));
        }
        metrics.push(name);
    }
    Ok(metrics)
}

fn generation_of(task: &TaskFile) -> Result<Option<Value>> {
    let Some(kwargs) = task.get("generation_kwargs") else { return Ok(None) };
    let mut generation = Map::new();
    for (key, value) in kwargs.as_object().into_iter().flatten() {
        match key.as_str() {
            "until" => {
                drop(generation.insert("stop".into(), if value.is_string() { Value::Array(vec![value.clone()]) } else { value.clone() }))
            }
            "max_gen_toks" => drop(generation.insert("max_tokens".into(), value.clone())),
            "temperature" => drop(generation.insert("temperature".into(), value.as_f64().unwrap_or(0.0).into())),
            "top_p" => drop(generation.insert("top_p".into(), value.clone())),
            "do_sample" => {}
            _ => return Err(task.error("generation_kwargs", format!("generation_kwargs.{key} is not supported"))),
        }
    }
    Ok(Some(Value::Object(generation)))
}

/// lm-eval's filters claimbench applies as lm-eval does, each with its options.
pub const FILTERS: &[(&str, &[&str])] = &[
    ("regex", &["regex_pattern", "group_select", "fallback"]),
    ("take_first", &[]),
    ("remove_whitespace", &[]),
    ("lowercase", &[]),
    ("uppercase", &[]),
];

/// The options of lm-eval's `exact_match` that claimbench's applies.
pub const EXACT_MATCH_OPTIONS: &[&str] = &["ignore_case", "ignore_punctuation", "ignore_numbers", "regexes_to_ignore"];

fn filter_of(task: &TaskFile, filter: &Value) -> Result<Value> {
    let function = filter.get("function").and_then(Value::as_str).unwrap_or_default();
    if !FILTERS.iter().any(|(f, _)| *f == function) {
        let names: Vec<&str> = FILTERS.iter().map(|(f, _)| *f).collect();
        return Err(task.error("filter_list", format!("filter '{function}' is not supported ({})", names.join(", "))));
    }
    Ok(filter.clone())
}

/// `[dataset]`: the folder holding the task's test split and its key in the folder's
/// dataset.toml, as a path from `out_dir`; and the key of the few-shot split (lm-eval's
/// `fewshot_split`, else its training, validation or test split) when it is another.
fn dataset_of(task: &TaskFile, path: &Path, data: Option<&Path>, out_dir: &Path) -> Result<(Value, Option<String>)> {
    let split = task.text("test_split")?.unwrap_or_else(|| "test".to_string());
    let (dir, key) = split_key(task, path, data, &split)?;
    let mut fewshot_key = None;
    if task.get("num_fewshot").and_then(Value::as_u64).unwrap_or(0) > 0 {
        let mut fewshot_split = split.clone();
        for name in ["fewshot_split", "training_split", "validation_split"] {
            if let Some(s) = task.text(name)? {
                fewshot_split = s;
                break;
            }
        }
        let (fewshot_dir, found) = split_key(task, path, data, &fewshot_split)?;
        if fewshot_dir.canonicalize().ok() != dir.canonicalize().ok() {
            return Err(task
                .error("fewshot_split", format!("split '{fewshot_split}' is in another dataset folder than '{split}'; put both in one")));
        }
        fewshot_key = (found != key).then_some(found);
    }
    let relative = relative_path(&dir, out_dir)?;
    Ok((serde_json::json!({ "path": relative, "file": key }), fewshot_key))
}

/// The dataset folder holding `split`, and its key there.
fn split_key(task: &TaskFile, path: &Path, data: Option<&Path>, split: &str) -> Result<(PathBuf, String)> {
    let dataset_path = task.text("dataset_path")?.unwrap_or_default();
    let task_dir = path.parent().unwrap_or(Path::new("."));
    match (data, dataset_path.as_str()) {
        (Some(dir), _) => Ok((dir.to_path_buf(), key_in(dir, &task.text("dataset_name")?, split)?)),
        (None, "json" | "csv" | "parquet" | "text") => {
            let files = task.get("dataset_kwargs").and_then(|k| k.get("data_files")).and_then(|f| f.get(split));
            let first = match files {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(list)) => list.first().and_then(Value::as_str).unwrap_or_default().to_string(),
                _ => return Err(task.error("dataset_kwargs", format!("dataset_kwargs.data_files names no '{split}' files"))),
            };
            // lm-eval reads a relative path from where it runs; here, from the task file.
            let file = task_dir.join(first);
            described(&file).ok_or_else(|| {
                Error::in_file(&file, "is not listed in a dataset.toml beside it or above: run `claimbench datasets add FOLDER --name … --license … --source …` first")
            })
        }
        (None, local) if task_dir.join(local).is_dir() => {
            let dir = task_dir.join(local);
            let key = key_in(&dir, &task.text("dataset_name")?, split)?;
            Ok((dir, key))
        }
        (None, hub) => Err(task.error(
            "dataset_path",
            format!("'{hub}' is a Hugging Face hub dataset: download its files, describe them with `claimbench datasets add DIR --name … --hf-repo {hub} --revision SHA`, and import again with --data DIR"),
        )),
    }
}

/// The dataset folder and key whose dataset.toml lists `file`, looking in its folder and above.
fn described(file: &Path) -> Option<(PathBuf, String)> {
    let file = file.canonicalize().ok()?;
    for dir in file.ancestors().skip(1).take(4) {
        let Ok((spec, _)) = super::dataset::Dataset::read_spec(dir) else { continue };
        let relative = file.strip_prefix(dir).ok()?;
        if let Some(entry) = spec.files.iter().find(|f| Path::new(f.path.get_ref()) == relative) {
            return Some((dir.to_path_buf(), entry.key.clone()));
        }
    }
    None
}

/// The key of split `split` (of config `name`, when given) in `dir`'s dataset.toml.
fn key_in(dir: &Path, name: &Option<String>, split: &str) -> Result<String> {
    let (spec, _) = super::dataset::Dataset::read_spec(dir)?;
    let wanted: Vec<String> = match name {
        Some(config) => vec![format!("{config}/{split}"), split.to_string()],
        None => vec![split.to_string()],
    };
    wanted.into_iter().find(|k| spec.files.iter().any(|f| f.key == *k)).ok_or_else(|| {
        let mut keys: Vec<&str> = spec.files.iter().map(|f| f.key.as_str()).collect();
        keys.dedup();
        Error::in_file(&dir.join("dataset.toml"), format!("has no key for split '{split}' (it has: {})", keys.join(", ")))
    })
}

/// `target` written from `base` (both made absolute), with `..` where needed.
fn relative_path(target: &Path, base: &Path) -> Result<String> {
    let target = target.canonicalize().map_err(|e| Error::in_file(target, e))?;
    let base = base.canonicalize().map_err(|e| Error::in_file(base, e))?;
    let (t, b): (Vec<Component>, Vec<Component>) = (target.components().collect(), base.components().collect());
    let shared = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - shared];
    parts.extend(t[shared..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    Ok(if parts.is_empty() { ".".to_string() } else { parts.join("/") })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tasks lm-eval's own task index resolves a group file to (by task name, by tag with
    /// tags inherited through `include:`, and by a nested group), from the fidelity fixture.
    #[test]
    fn a_group_imports_the_tasks_lm_eval_resolves_it_to() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("harness/tests/fixtures/lm_eval/requests.json")).unwrap()).unwrap();
        let groups = fixture["groups"].as_object().unwrap();
        assert!(!groups.is_empty());
        let out = tempfile::tempdir().unwrap();
        let described = regex::Regex::new(r"Imported from lm-eval task '([^']+)'").unwrap();
        for (name, expected) in groups {
            let suites = import(&root.join(expected["group_file"].as_str().unwrap()), None, out.path()).unwrap();
            let mut tasks: Vec<String> =
                suites.iter().map(|s| described.captures(&s.toml).expect("a description naming the task")[1].to_string()).collect();
            tasks.sort();
            tasks.dedup();
            let theirs: Vec<String> = expected["tasks"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
            assert_eq!(tasks, theirs, "{name}");
        }
    }

    #[test]
    fn task_names_are_read_from_top_level_lines() {
        let names =
            TaskNames::of("# a comment\ninclude: _common.yaml\ntag:\n  - a\n  - \"b\"\ntask: t  # why\ndoc_to_text: \"task: no\"\n");
        assert_eq!(
            (names.task.as_deref(), names.tags.as_slice(), names.includes.as_slice()),
            (Some("t"), &["a".to_string(), "b".to_string()][..], &["_common.yaml".to_string()][..])
        );
        let inline = TaskNames::of("group: g\ntag: [x, 'y']\ntask:\n  - t1\n");
        assert_eq!((inline.group.as_deref(), inline.task, inline.tags), (Some("g"), None, vec!["x".to_string(), "y".to_string()]));
    }
}
