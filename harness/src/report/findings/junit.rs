//! JUnit XML: one test case per metric, claim or series. A refuted claim or a regression is a
//! failure; an inconclusive one is reported as skipped (no verdict), never as passed.

use super::{Findings, Outcome};
use crate::error::Result;
use crate::report::escape::xml;
use crate::report::{junit::Junit, Exporter};

impl Exporter<Findings> for Junit {
    fn render(&self, f: &Findings) -> Result<Vec<u8>> {
        Ok(document(std::slice::from_ref(f)).into_bytes())
    }
}

/// One JUnit document with a test suite per set of findings.
pub fn document(suites: &[Findings]) -> String {
    let count = |outcome: Outcome| suites.iter().flat_map(|f| &f.rows).filter(|r| r.outcome == outcome).count();
    let tests: usize = suites.iter().map(|f| f.rows.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"claimbench\" tests=\"{tests}\" failures=\"{}\" skipped=\"{}\">\n",
        count(Outcome::Fail),
        count(Outcome::Inconclusive)
    ));
    for f in suites {
        let failures = f.rows.iter().filter(|r| r.outcome == Outcome::Fail).count();
        let skipped = f.rows.iter().filter(|r| r.outcome == Outcome::Inconclusive).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
            xml(&f.title),
            f.rows.len()
        ));
        if !f.warnings.is_empty() {
            out.push_str(&format!("    <system-err>{}</system-err>\n", xml(&f.warnings.join("\n"))));
        }
        for row in &f.rows {
            let summary = f.columns.iter().zip(&row.cells).map(|(c, v)| format!("{c}: {v}")).collect::<Vec<_>>().join("; ");
            out.push_str(&format!("    <testcase classname=\"claimbench\" name=\"{}\">\n", xml(&row.name)));
            match row.outcome {
                Outcome::Fail => out.push_str(&format!("      <failure message=\"{}\">{}</failure>\n", xml(&summary), xml(&row.detail))),
                Outcome::Inconclusive => {
                    out.push_str(&format!("      <skipped message=\"{}\"/>\n", xml(&format!("no verdict: {summary}; {}", row.detail))))
                }
                Outcome::Pass | Outcome::Info => {}
            }
            out.push_str(&format!("      <system-out>{}</system-out>\n", xml(&summary)));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
