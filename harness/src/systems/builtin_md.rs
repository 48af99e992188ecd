//! `builtin-md`: the built-in molecular-dynamics engine (the `claimbench-md` crate) run in process on each
//! workload. Its log has LAMMPS's layout, so gates and speed figures come from the same parser.

use super::{Response, SimulationRequest, System};
use crate::error::{Error, Result};
use claimbench_md::{log::write_log, Kernel, Md};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltinMdConfig {
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// Worker threads for the force loop; 0 uses every core.
    #[serde(default = "default_threads")]
    pub threads: usize,
    /// `cpu`; `cuda` (candle-core tensors on the first CUDA device; needs `--features cuda`);
    /// `tensor-cpu` (the same tensor kernel on the CPU; needs `--features candle-md`).
    #[serde(default = "default_device")]
    pub device: String,
}

impl Default for BuiltinMdConfig {
    fn default() -> Self {
        BuiltinMdConfig { kind: None, name: None, threads: default_threads(), device: default_device() }
    }
}

fn default_threads() -> usize {
    1
}
fn default_device() -> String {
    "cpu".to_string()
}

pub struct BuiltinMdSystem {
    threads: usize,
    kernel: Kernel,
}

impl BuiltinMdSystem {
    pub fn start(config: &BuiltinMdConfig) -> Result<BuiltinMdSystem> {
        let kernel = match config.device.as_str() {
            "cpu" => Kernel::Cpu,
            #[cfg(feature = "cuda")]
            "cuda" => Kernel::Tensor { cuda: true },
            #[cfg(not(feature = "cuda"))]
            "cuda" => return Err(Error::new("builtin-md system: device = \"cuda\" needs claimbench built with `--features cuda`")),
            #[cfg(feature = "candle-md")]
            "tensor-cpu" => Kernel::Tensor { cuda: false },
            #[cfg(not(feature = "candle-md"))]
            "tensor-cpu" => {
                return Err(Error::new("builtin-md system: device = \"tensor-cpu\" needs claimbench built with `--features candle-md`"))
            }
            other => return Err(Error::new(format!("builtin-md system: unknown device '{other}' (known: cpu, cuda, tensor-cpu)"))),
        };
        Ok(BuiltinMdSystem { threads: config.threads, kernel })
    }
}

impl System for BuiltinMdSystem {
    fn kind(&self) -> &'static str {
        "builtin-md"
    }

    fn simulate(&mut self, request: &SimulationRequest) -> Result<Response> {
        let item = |e: claimbench_md::Error| Error::new(format!("item {}: {e}", request.id));
        let setup = claimbench_md::input::read(&request.input, &request.vars).map_err(item)?;
        let timestep = setup.timestep;
        let mut md = Md::new(setup, self.threads, self.kernel).map_err(item)?;
        let outcome = md.run().map_err(item)?;
        Ok(Response {
            output: write_log(&outcome, timestep),
            system_latency_s: Some(outcome.loop_seconds),
            output_tokens: None,
            measures: Default::default(),
        })
    }
}

/// The engine's numbers against real LAMMPS logs of the same input, read by the parser that
/// reads LAMMPS's own.
#[cfg(test)]
mod tests {
    use crate::data::lammps_log::parse;
    use claimbench_md::input::Setup;
    use claimbench_md::{Kernel, Md};
    use std::collections::BTreeMap;
    use std::path::Path;

    fn lj_input(scale: &str) -> Setup {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/lammps-bench/in.lj");
        let vars: BTreeMap<String, String> = ["x", "y", "z"].iter().map(|k| (k.to_string(), scale.to_string())).collect();
        claimbench_md::input::read(&path, &vars).unwrap()
    }

    /// Step-0 E_pair and Press, and the TotEng drift, from a real LAMMPS log.
    fn lammps_reference(log: &str) -> (f64, f64, f64) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lammps").join(log);
        let runs = parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        let thermo = &runs[0].thermo;
        let (e_pair, _) = thermo.first_last("E_pair").unwrap();
        let (press, _) = thermo.first_last("Press").unwrap();
        let (first, last) = thermo.first_last("TotEng").unwrap();
        (e_pair, press, last - first)
    }

    fn check_against_lammps(scale: &str, atoms: usize, log: &str, threads: usize) {
        let (e_pair, press, lammps_drift) = lammps_reference(log);
        let mut md = Md::new(lj_input(scale), threads, Kernel::Cpu).unwrap();
        assert_eq!(md.atoms(), atoms);
        let outcome = md.run().unwrap();
        let first = outcome.thermo[0];
        let last = outcome.thermo.last().unwrap();
        assert_eq!((first.step, last.step), (0, 100));
        assert!(((first.e_pair - e_pair) / e_pair).abs() < 1e-9, "E_pair {} vs LAMMPS {e_pair}", first.e_pair);
        assert!(((first.press - press) / press).abs() < 1e-9, "Press {} vs LAMMPS {press}", first.press);
        assert!((first.temp - 1.44).abs() < 1e-12);
        let drift = last.tot_eng - first.tot_eng;
        assert!(drift.abs() <= 2.0 * lammps_drift.abs(), "drift {drift} vs LAMMPS {lammps_drift}");
        assert_eq!(outcome.neighbor_builds, 5, "every 20 steps, no check: LAMMPS builds 5 times in 100 steps");
    }

    #[test]
    fn lj_256_atoms_matches_lammps() {
        check_against_lammps("0.2", 256, "log.lj-256.debian-29Sep2021.precise", 1);
    }

    #[test]
    fn lj_32000_atoms_matches_lammps() {
        check_against_lammps("1", 32_000, "log.lj.debian-29Sep2021.precise", 1);
    }
}
