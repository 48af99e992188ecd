//! The engine's log, in LAMMPS's layout: a thermo table, the `Loop time` line and a
//! `Performance:` line, with thermo values at full precision.

use super::Outcome;
use std::fmt::Write;

pub fn write_log(outcome: &Outcome, timestep: f64) -> String {
    let mut log = String::new();
    let _ = writeln!(log, "claimbench built-in MD engine {} ({} threads)", env!("CARGO_PKG_VERSION"), outcome.threads);
    let _ = writeln!(log, "Created {} atoms", outcome.atoms);
    let _ = writeln!(log, "Step Temp E_pair E_mol TotEng Press");
    for row in &outcome.thermo {
        // Rust prints the shortest text that parses back to the same f64.
        let _ = writeln!(log, "{} {} {} 0 {} {}", row.step, row.temp, row.e_pair, row.tot_eng, row.press);
    }
    let seconds = outcome.loop_seconds.max(f64::MIN_POSITIVE);
    let steps = outcome.steps as f64;
    let _ = writeln!(log, "Loop time of {seconds} on {} procs for {} steps with {} atoms", outcome.threads, outcome.steps, outcome.atoms);
    let _ = writeln!(log);
    let _ = writeln!(
        log,
        "Performance: {:.3} tau/day, {:.3} timesteps/s, {:.3} Matom-step/s",
        86400.0 * timestep * steps / seconds,
        steps / seconds,
        outcome.atoms as f64 * steps / seconds / 1e6
    );
    let _ = writeln!(log, "Neighbor list builds = {}", outcome.neighbor_builds);
    log
}
