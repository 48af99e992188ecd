//! JSON: the findings table plus the full structured result.

use super::Findings;
use crate::error::{Error, Result};
use crate::report::{json::Json, Exporter};

impl Exporter<Findings> for Json {
    fn render(&self, f: &Findings) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(f).map_err(|e| Error::new(format!("{}: cannot write JSON: {e}", f.title)))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
