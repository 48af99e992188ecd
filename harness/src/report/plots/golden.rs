//! Golden tests on each plot kind's SVG structure (element counts and every text), not pixels:
//! a change in what a plot shows fails here, a change in anti-aliasing does not. After an
//! intended change, `CLAIMBENCH_BLESS=1 cargo test -p claimbench golden` rewrites the files.

use super::claim_forest::{ClaimForest, Row};
use super::history_lines::{Change, HistoryLines, Series};
use super::latency_cdf::{Curve, LatencyCdf};
use super::md_sweep::{Line, MdSweep, SizePoint};
use super::metric_bars::{Bar, MetricBars};
use super::pareto::{mark_front, Pareto, Point};
use super::wer_breakdown::{Breakdown, WerBreakdown};
use super::{png_bytes, svg_text, Figure};
use crate::stats::claims::Verdict;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Element counts by tag, then every text in document order.
fn structure(svg: &str) -> String {
    let tag = regex::Regex::new(r"<([a-zA-Z]+)[\s>/]").unwrap();
    let text = regex::Regex::new(r"<text[^>]*>([^<]*)</text>").unwrap();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in tag.captures_iter(svg) {
        *counts.entry(c.get(1).unwrap().as_str()).or_default() += 1;
    }
    let mut out: String = counts.iter().map(|(t, n)| format!("{t} {n}\n")).collect();
    for c in text.captures_iter(svg) {
        let words = c[1].trim();
        if !words.is_empty() {
            out.push_str(&format!("text: {words}\n"));
        }
    }
    out
}

fn check<F: Figure>(name: &str, figure: &F) {
    let svg = svg_text(figure).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{name}: not one SVG document");
    let (width, height) = figure.size();
    assert!(svg.contains(&format!("width=\"{width}\" height=\"{height}\"")), "{name}: SVG size");
    let actual = format!("size {width}x{height}\n{}", structure(&svg));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/plots").join(format!("{name}.txt"));
    if std::env::var_os("CLAIMBENCH_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} missing; bless with CLAIMBENCH_BLESS=1", path.display()));
    assert_eq!(actual, expected, "{name}: SVG structure changed (CLAIMBENCH_BLESS=1 rewrites {})", path.display());

    // The PNG has the stated size and is not blank: a real share of it is neither white nor one colour.
    let png = png_bytes(figure).unwrap();
    let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), (width, height), "{name}: PNG size");
    let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(inked > (width * height / 100) as usize, "{name}: PNG nearly blank ({inked} inked pixels)");
    let colours: std::collections::HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 3, "{name}: PNG has {} colours", colours.len());
}

#[test]
fn metric_bars() {
    let bar = |label: &str, value: f64, n| Bar { label: label.into(), value, low: value - 0.05, high: value + 0.04, n };
    let figure = MetricBars {
        suite: "gsm8k".into(),
        metric: "accuracy".into(),
        bars: vec![bar("baseline", 0.31, 200), bar("candidate", 0.42, 200)],
    };
    check("metric_bars", &figure);
    check("metric_bars_single", &MetricBars { bars: vec![bar("only", 0.5, 10)], ..figure });
}

#[test]
fn pareto() {
    let point = |label: &str, throughput, value: f64| Point {
        label: label.into(),
        throughput,
        value,
        low: value - 0.03,
        high: value + 0.03,
        on_front: false,
    };
    let mut points = vec![point("fast", 120.0, 0.30), point("accurate", 3.0, 0.55), point("dominated", 2.0, 0.28)];
    mark_front(&mut points, true);
    assert_eq!(points.iter().map(|p| p.on_front).collect::<Vec<_>>(), [true, true, false]);
    check("pareto", &Pareto { suite: "gsm8k".into(), metric: "accuracy".into(), higher_is_better: true, points });
}

#[test]
fn pareto_front_follows_the_metric_direction() {
    let point = |throughput, value| Point { label: String::new(), throughput, value, low: value, high: value, on_front: false };
    let mut points = vec![point(10.0, 0.20), point(10.0, 0.30), point(1.0, 0.10)];
    mark_front(&mut points, false);
    assert_eq!(points.iter().map(|p| p.on_front).collect::<Vec<_>>(), [true, false, true], "lower WER is better");
}

#[test]
fn latency_cdf() {
    let curve =
        |label: &str, scale: f64| Curve { label: label.into(), latencies: (1..=20).map(|i| scale * (1.0 + i as f64 * 0.1)).collect() };
    check("latency_cdf", &LatencyCdf { suite: "gsm8k".into(), curves: vec![curve("server", 0.2), curve("built-in", 0.9)] });
}

#[test]
fn wer_breakdown() {
    let run = |label: &str, rates| Breakdown { label: label.into(), reference_words: 71.0, rates, utterances: 5 };
    check(
        "wer_breakdown",
        &WerBreakdown {
            suite: "librivox-5".into(),
            runs: vec![run("pocketsphinx", [0.2, 0.05, 0.03]), run("whisper", [0.05, 0.01, 0.02])],
        },
    );
}

#[test]
fn md_sweep() {
    let line = |label: &str, per_atom: f64| Line {
        label: label.into(),
        points: [4000.0, 32000.0, 108000.0, 256000.0]
            .iter()
            .map(|&atoms| {
                let t = atoms * per_atom;
                SizePoint { workload: format!("lj-{atoms}"), atoms, seconds_per_step: t, low: t * 0.95, high: t * 1.05 }
            })
            .collect(),
    };
    check("md_sweep", &MdSweep { suite: "materials-lj".into(), lines: vec![line("lammps-opt", 1e-7), line("builtin-md", 8e-8)] });
}

#[test]
fn claim_forest() {
    let row = |id: &str, estimate: f64, threshold, verdict| Row {
        id: id.into(),
        kind: "relative-improvement".into(),
        estimate,
        low: estimate - 0.1,
        high: estimate + 0.1,
        threshold,
        verdict,
    };
    check(
        "claim_forest",
        &ClaimForest {
            rows: vec![
                row("wer-20pct", 0.35, 0.2, Verdict::Supported),
                row("acc-28pct", 0.1, 0.28, Verdict::Refuted),
                row("speed-2x", 1.0, 1.0, Verdict::Inconclusive),
            ],
        },
    );
}

#[test]
fn history_lines() {
    let series = |key: &str, values: Vec<f64>, changes| Series { key: key.into(), values, changes };
    check(
        "history_lines",
        &HistoryLines {
            metric: "accuracy".into(),
            series: vec![
                series("gsm8k@1 / a", vec![0.5, 0.51, 0.5, 0.42, 0.41], vec![Change { index: 3, regression: true }]),
                series("gsm8k@1 / b", vec![0.3, 0.31, 0.38, 0.39, 0.38], vec![Change { index: 2, regression: false }]),
            ],
        },
    );
}
