//! `lammps`: runs an `lmp` binary on each workload, in a fresh directory holding the input and
//! the files it reads, with the workload's `-var`s, an optional accelerator suffix (`-sf opt`)
//! and MPI ranks through `mpirun`. The response is LAMMPS's screen output, which is the log.
//! Every input is screened first (see `screen`).

pub mod screen;

use super::child::{self, StderrTail};
use super::{Response, SimulationRequest, System};
use crate::data::lammps_log as log;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LammpsConfig {
    #[serde(default, skip_serializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing)]
    pub name: Option<String>,
    /// The LAMMPS executable, by path or on PATH.
    #[serde(default = "default_binary")]
    pub binary: String,
    /// Accelerator suffix passed as `-sf` (e.g. `opt`, `omp`, `gpu`).
    #[serde(default)]
    pub suffix: Option<String>,
    /// More than one runs the binary through `mpirun -np N`.
    #[serde(default = "default_ranks")]
    pub mpi_ranks: u32,
    #[serde(default = "default_mpirun")]
    pub mpirun: String,
    /// Further arguments for `lmp` (e.g. `-pk omp 2`).
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Seconds one workload run may take before it is stopped and the item failed.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    /// Commands that run host code (`shell`, `python`, `plugin`) which inputs may use anyway.
    /// Only your own system file can say so; a bundle never does.
    #[serde(default)]
    pub allow_commands: Vec<String>,
}

impl Default for LammpsConfig {
    fn default() -> Self {
        LammpsConfig {
            kind: None,
            name: None,
            binary: default_binary(),
            suffix: None,
            mpi_ranks: default_ranks(),
            mpirun: default_mpirun(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout_s: default_timeout_s(),
            allow_commands: Vec::new(),
        }
    }
}

fn default_binary() -> String {
    "lmp".to_string()
}
fn default_ranks() -> u32 {
    1
}
fn default_mpirun() -> String {
    "mpirun".to_string()
}
fn default_timeout_s() -> f64 {
    3600.0
}

/// The most of LAMMPS's screen output kept (a log of a long run is a few MiB); the rest is read
/// and dropped, so that the program never blocks on a full pipe.
const MAX_OUTPUT_BYTES: usize = 64 << 20;

pub struct LammpsSystem {
    config: LammpsConfig,
    binary: PathBuf,
}

impl LammpsSystem {
    /// Finds the binary now, so that a missing LAMMPS is reported before any run starts.
    pub fn start(config: &LammpsConfig, base_dir: &Path) -> Result<LammpsSystem> {
        if !(config.timeout_s > 0.0 && config.timeout_s.is_finite()) {
            return Err(Error::new(format!("lammps system: timeout_s must be a positive number, got {}", config.timeout_s)));
        }
        if config.mpi_ranks == 0 {
            return Err(Error::new("lammps system: mpi_ranks must be at least 1"));
        }
        let binary = super::find_program(&config.binary, base_dir).ok_or_else(|| {
            Error::new(format!(
                "lammps system: program '{}' not found (install LAMMPS, e.g. Debian's `lammps` package, or set `binary` in the system file)",
                config.binary
            ))
        })?;
        if config.mpi_ranks > 1 && super::find_program(&config.mpirun, base_dir).is_none() {
            return Err(Error::new(format!(
                "lammps system: mpi_ranks = {} needs '{}', which is not found",
                config.mpi_ranks, config.mpirun
            )));
        }
        Ok(LammpsSystem { config: config.clone(), binary })
    }

    fn command(&self, request: &SimulationRequest, input_name: &str) -> Command {
        let mut command = if self.config.mpi_ranks > 1 {
            let mut c = Command::new(&self.config.mpirun);
            c.arg("-np").arg(self.config.mpi_ranks.to_string()).arg(&self.binary);
            c
        } else {
            Command::new(&self.binary)
        };
        command.args(["-in", input_name, "-log", "none", "-nocite"]);
        for (name, value) in &request.vars {
            command.args(["-var", name, value]);
        }
        if let Some(suffix) = &self.config.suffix {
            command.args(["-sf", suffix]);
        }
        command.args(&self.config.args).envs(&self.config.env);
        command
    }
}

impl System for LammpsSystem {
    fn kind(&self) -> &'static str {
        "lammps"
    }

    fn simulate(&mut self, request: &SimulationRequest) -> Result<Response> {
        let item = |message: String| Error::new(format!("item {}: {message}", request.id));
        let dataset_dir = request.input.parent().unwrap_or(Path::new("."));
        screen::screen(&request.input, dataset_dir, &self.config.allow_commands).map_err(|e| item(e.to_string()))?;
        let workdir = crate::fsutil::ScratchDir::new("lammps").map_err(|e| item(format!("cannot create a working directory: {e}")))?;
        for file in std::iter::once(&request.input).chain(&request.files) {
            let name = file.file_name().ok_or_else(|| item(format!("{} names no file", file.display())))?;
            std::fs::copy(file, workdir.path().join(name)).map_err(|e| item(format!("cannot copy {}: {e}", file.display())))?;
        }
        let input_name = request.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut command = self.command(request, &input_name);
        command.current_dir(workdir.path()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child =
            child::own_group(&mut command).spawn().map_err(|e| item(format!("cannot start '{}': {e}", self.binary.display())))?;
        let mut pipe = child.stdout.take().expect("stdout is piped");
        let stdout = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = (&mut pipe).take(MAX_OUTPUT_BYTES as u64).read_to_end(&mut bytes);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let mut stderr = StderrTail::follow(child.stderr.take().expect("stderr is piped"));
        let timeout = Duration::from_secs_f64(self.config.timeout_s);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > timeout => {
                    child::kill_group(&mut child);
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    child::kill_group(&mut child);
                    return Err(item(format!("waiting for LAMMPS: {e}")));
                }
            }
        };
        // Anything the input started in the background (and that holds the pipes) goes too.
        child::kill_group_of(child.id());
        let Some(output) = child::join_within(stdout, Duration::from_secs(5)) else {
            return Err(item("a process LAMMPS started outside its process group still holds its output open".into()));
        };
        stderr.finish(Duration::from_secs(1));
        let source = PathBuf::from(format!("LAMMPS output of {}", request.id));
        let Some(status) = status else {
            return Err(item(format!("LAMMPS ran past timeout_s = {} and was stopped", self.config.timeout_s)));
        };
        // LAMMPS prints `ERROR: …` on its screen output; quote it rather than the exit code.
        let error_lines = stderr.lines();
        if let Some(line) = output.lines().chain(error_lines.iter().map(String::as_str)).find(|l| l.trim_start().starts_with("ERROR")) {
            return Err(item(format!("LAMMPS stopped with: {}", crate::text::shorten(line, 300))));
        }
        let errors = stderr.describe();
        let parsed = log::parse(&source, &output);
        if !status.success() {
            let log_problem = parsed.err().map(|e| format!("; {e}")).unwrap_or_default();
            return Err(item(format!("LAMMPS exited ({status}){log_problem}{errors}")));
        }
        let runs = parsed.map_err(|e| item(e.to_string()))?;
        let loop_seconds = runs.last().map(|r| r.loop_time.seconds);
        Ok(Response { output, system_latency_s: loop_seconds, output_tokens: None, measures: Default::default() })
    }
}
