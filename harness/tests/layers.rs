//! The library's modules import only from layers below their own (the order is documented in
//! `src/lib.rs`): a `crate::` path that runs against it, or a module missing from the order,
//! fails here naming the file and line.

use std::path::Path;

/// Lowest first; modules in one layer may not import each other.
const LAYERS: &[&[&str]] = &[
    &["error", "secrets", "host", "stats", "text"],
    &["fsutil"],
    &["spec"],
    &["data"],
    &["protocol"],
    &["store"],
    &["tasks", "systems"],
    &["run"],
    &["import"],
    &["compare"],
    &["report", "publish"],
    &["bundle"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules a line of Rust names through `crate::`, with `crate::Error` and
/// `crate::Result` (re-exported at the root) counted as `error`.
fn imported(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or_default().split(',').collect(),
            None => vec![rest],
        };
        for name in names {
            let ident: String = name.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            match ident.as_str() {
                "" => {}
                "Error" | "Result" => found.push("error".to_string()),
                _ => found.push(ident),
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_import_runs_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut violations = Vec::new();
    for declared in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';')) {
        if layer_of(declared).is_none() {
            violations.push(format!("src/lib.rs: module `{declared}` has no place in the layer order"));
        }
    }
    let mut checked = 0;
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        // The crate root and the binary sit above every layer.
        let Some(own) = layer_of(&module) else { continue };
        for (number, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            for target in imported(line) {
                checked += 1;
                match layer_of(&target) {
                    Some(layer) if target == module || layer < own => {}
                    Some(_) => violations.push(format!(
                        "src/{}:{}: `{module}` (layer {}) imports `{target}` (layer {}), which is not below it",
                        relative.display(),
                        number + 1,
                        own + 1,
                        layer_of(&target).unwrap() + 1
                    )),
                    None => violations.push(format!(
                        "src/{}:{}: `crate::{target}` names no module of the layer order",
                        relative.display(),
                        number + 1
                    )),
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} imports found: is the scan reading the sources?");
    assert!(violations.is_empty(), "{} imports against the layers:\n{}", violations.len(), violations.join("\n"));
}

#[test]
fn the_scan_reads_imports_as_written() {
    assert_eq!(imported("use crate::store::samples::Sample;"), ["store"]);
    assert_eq!(imported("use crate::{error::Result, fsutil};"), ["error", "fsutil"]);
    assert_eq!(imported("    let x = crate::text::shorten(&a, 3); // crate::bundle in a comment"), ["text"]);
    assert_eq!(imported("fn f() -> crate::Result<()> {"), ["error"]);
    assert!(imported("/// see crate::report").is_empty());
}
