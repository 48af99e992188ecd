//! Times claimbench's paired bootstrap on data written by `scripts/bench_bootstrap_vs_scipy.py`:
//! a file of little-endian f64 triples (errors of A, errors of B, reference words) per item.
//! Prints JSON: seconds for the bootstrap alone (loading excluded), the estimate and interval.

use claimbench::stats::bootstrap::Method;
use claimbench::stats::paired::{ratio_improvement, Direction, Scale};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(resamples)) = (args.next(), args.next()) else {
        eprintln!("usage: paired_bootstrap DATA.f64 RESAMPLES");
        std::process::exit(2);
    };
    let resamples: usize = resamples.parse().expect("RESAMPLES is a number");
    let bytes = std::fs::read(&path).expect("data file is readable");
    let values: Vec<f64> = bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let (mut ea, mut eb, mut words) = (Vec::new(), Vec::new(), Vec::new());
    for triple in values.chunks_exact(3) {
        ea.push(triple[0]);
        eb.push(triple[1]);
        words.push(triple[2]);
    }
    let started = Instant::now();
    let distribution = ratio_improvement(&ea, &eb, &words, Direction::Lower, Scale::Relative, resamples, 0).expect("valid data");
    let interval = distribution.interval(0.95, Method::Percentile).expect("valid level");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds}, \"items\": {}, \"resamples\": {resamples}, \"threads\": {}, \"estimate\": {}, \"low\": {}, \"high\": {}}}",
        ea.len(),
        rayon::current_num_threads(),
        distribution.value,
        interval.low,
        interval.high
    );
}
