//! JSON: the findings table plus the full structured result.

use super::{Findings, FindingsExporter};

pub struct Json;

impl FindingsExporter for Json {
    fn render(&self, f: &Findings) -> String {
        let mut text = serde_json::to_string_pretty(f).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }
}
