//! `claimbench md`: the built-in MD engine on a LAMMPS input, printing its log.

use super::Verdict;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct MdArgs {
    input: PathBuf,
    /// Sets an index variable before the input runs (repeatable).
    #[arg(long = "var", num_args = 2, value_names = ["NAME", "VALUE"], action = clap::ArgAction::Append)]
    vars: Vec<String>,
    /// Force-loop threads; 0 uses every core.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// cpu, or cuda (needs a build with --features cuda).
    #[arg(long, default_value = "cpu")]
    device: String,
}

pub fn execute(args: MdArgs) -> claimbench::Result<Verdict> {
    let request = claimbench::protocol::SimulationRequest {
        id: "md".to_string(),
        workload: "md".to_string(),
        files: Vec::new(),
        vars: args.vars.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect(),
        input: args.input,
        warmup: false,
        repetition: 1,
    };
    let config = claimbench::systems::builtin_md::BuiltinMdConfig { threads: args.threads, device: args.device, ..Default::default() };
    let mut system = claimbench::systems::builtin_md::BuiltinMdSystem::start(&config)?;
    print!("{}", claimbench::systems::System::simulate(&mut system, &request)?.output);
    Ok(Verdict::Fine)
}
