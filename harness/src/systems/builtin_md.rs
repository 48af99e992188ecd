//! `builtin-md`: the built-in molecular-dynamics engine (`crate::md`) run in process on each
//! workload. Its log has LAMMPS's layout, so gates and speed figures come from the same parser.

use super::{Response, SimulationRequest, System};
use crate::error::{Error, Result};
use crate::md::{log::write_log, Kernel, Md};
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
        let item = |e: Error| Error::new(format!("item {}: {e}", request.id));
        let setup = crate::md::input::read(&request.input, &request.vars).map_err(item)?;
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
