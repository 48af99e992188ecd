//! The accuracy gate of a simulation run: step-0 potential energy and pressure against the
//! reference engine's values, the atom count, the step count, and the drift of total energy.

use super::log::{parse, RunLog};
use crate::spec::suite::{GateSpec, WorkloadSpec};
use std::collections::BTreeMap;
use std::path::Path;

pub struct GateOutcome {
    pub passed: bool,
    /// `gate passed: …` or `gate failed: …`, naming every failed check.
    pub verdict: String,
    pub measures: BTreeMap<String, f64>,
}

pub fn describe(gate: &GateSpec) -> String {
    format!(
        "step 0: E_pair {} and Press {} within {:e} relative; |TotEng drift| <= {} per atom",
        gate.e_pair, gate.press, gate.rel_tol, gate.max_drift_per_atom
    )
}

/// Measures and gate verdict of one run's log. `normalised`: thermo energies are already per
/// atom (LAMMPS's default for lj units).
pub fn evaluate(id: &str, output: &str, workload: &WorkloadSpec, normalised: bool) -> GateOutcome {
    let failed = |reason: String| GateOutcome { passed: false, verdict: format!("gate failed: {reason}"), measures: BTreeMap::new() };
    let runs = match parse(Path::new(&format!("log of {id}")), output) {
        Ok(runs) => runs,
        Err(e) => return failed(e.to_string()),
    };
    let run = runs.last().expect("parse returns at least one run");
    let mut measures = speed_measures(run);
    let mut problems = Vec::new();
    let atoms = run.loop_time.atoms as f64;
    if run.loop_time.atoms != workload.atoms {
        problems.push(format!("{} atoms, the workload needs {}", run.loop_time.atoms, workload.atoms));
    }
    let gate = &workload.gate;
    let columns = ["Step", "E_pair", "Press", "TotEng"].map(|c| run.thermo.first_last(c));
    let [Some((first_step, last_step)), Some((e_pair, _)), Some((press, _)), Some((tot_first, tot_last))] = columns else {
        problems.push(format!("the thermo table lacks one of Step, E_pair, Press, TotEng (it has {})", run.thermo.columns.join(" ")));
        return failed(problems.join("; "));
    };
    if first_step != 0.0 {
        problems.push(format!("the thermo table starts at step {first_step}, not 0"));
    }
    if last_step != run.loop_time.steps as f64 + first_step {
        problems.push(format!("the last thermo row is step {last_step}, the run has {} steps", run.loop_time.steps));
    }
    let drift = (tot_last - tot_first) / if normalised { 1.0 } else { atoms.max(1.0) };
    measures.extend([
        ("e_pair_0".to_string(), e_pair),
        ("press_0".to_string(), press),
        ("toteng_0".to_string(), tot_first),
        ("toteng_last".to_string(), tot_last),
        ("drift_per_atom".to_string(), drift),
    ]);
    for (name, value, reference) in [("E_pair", e_pair, gate.e_pair), ("Press", press, gate.press)] {
        let relative = ((value - reference) / reference).abs();
        // NaN (an unreadable value) fails too.
        if relative.is_nan() || relative > gate.rel_tol {
            problems.push(format!(
                "step-0 {name} {value} differs from the reference {reference} by {relative:.2e} relative (allowed {:e})",
                gate.rel_tol
            ));
        }
    }
    if drift.is_nan() || drift.abs() > gate.max_drift_per_atom {
        problems.push(format!("total energy drifted {drift:.3e} per atom over the run (allowed {})", gate.max_drift_per_atom));
    }
    if problems.is_empty() {
        let verdict = format!("gate passed: step-0 E_pair {e_pair}, Press {press}; drift {drift:.3e} per atom");
        GateOutcome { passed: true, verdict, measures }
    } else {
        GateOutcome { passed: false, verdict: format!("gate failed: {}", problems.join("; ")), measures }
    }
}

/// Speed figures of a run, under the metric names of the suite spec.
fn speed_measures(run: &RunLog) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::from([
        ("atoms".to_string(), run.loop_time.atoms as f64),
        ("steps".to_string(), run.loop_time.steps as f64),
        ("procs".to_string(), run.loop_time.procs as f64),
        ("loop_time_s".to_string(), run.loop_time.seconds),
        ("timesteps_per_s".to_string(), run.timesteps_per_s()),
        ("matom_steps_per_s".to_string(), run.matom_steps_per_s()),
    ]);
    for (unit, name) in [("tau/day", "tau_per_day"), ("ns/day", "ns_per_day")] {
        if let Some(&v) = run.performance.get(unit) {
            m.insert(name.to_string(), v);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(atoms: u64) -> WorkloadSpec {
        WorkloadSpec {
            id: "lj".into(),
            input: None,
            files: Vec::new(),
            vars: BTreeMap::new(),
            atoms,
            warmup: None,
            repetitions: None,
            gate: GateSpec {
                e_pair: -6.77336805323422,
                press: -5.01970725908556,
                rel_tol: 1e-6,
                max_drift_per_atom: 0.018,
                reference: String::new(),
            },
        }
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lammps").join(name)).unwrap()
    }

    #[test]
    fn lammps_own_log_passes_its_gate() {
        for log in ["log.lj.debian-29Sep2021.precise", "log.lj.debian-29Sep2021.serial"] {
            let outcome = evaluate("lj/rep-1", &fixture(log), &workload(32000), true);
            assert!(outcome.passed, "{log}: {}", outcome.verdict);
            assert!((outcome.measures["drift_per_atom"] + 0.00893).abs() < 1e-4);
            assert_eq!(outcome.measures["tau_per_day"], if log.ends_with("precise") { 11229.307 } else { outcome.measures["tau_per_day"] });
        }
    }

    #[test]
    fn each_check_fails_on_its_own() {
        let log = fixture("log.lj.debian-29Sep2021.precise");
        let wrong_atoms = evaluate("lj/rep-1", &log, &workload(4000), true);
        assert!(!wrong_atoms.passed && wrong_atoms.verdict.contains("32000 atoms, the workload needs 4000"), "{}", wrong_atoms.verdict);
        let shifted = log.replace("-5.01970725908556", "-5.02");
        let outcome = evaluate("lj/rep-1", &shifted, &workload(32000), true);
        assert!(outcome.verdict.contains("step-0 Press -5.02 differs from the reference"), "{}", outcome.verdict);
        let mut tight = workload(32000);
        tight.gate.max_drift_per_atom = 0.001;
        let outcome = evaluate("lj/rep-1", &log, &tight, true);
        assert!(outcome.verdict.contains("total energy drifted -8.926e-3 per atom"), "{}", outcome.verdict);
        // The speed figures stay: a failed gate marks them invalid, never drops them.
        assert_eq!(outcome.measures["timesteps_per_s"], 25.994);
        let cut = &log[..log.find("Loop time").unwrap()];
        let outcome = evaluate("lj/rep-1", cut, &workload(32000), true);
        assert!(outcome.verdict.starts_with("gate failed: log of lj/rep-1:"), "{}", outcome.verdict);
    }
}
