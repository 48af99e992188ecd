//! End-to-end tests of the `claimbench` binary against real services: the LLM server (`llm`),
//! a Slurm cluster (`slurm`), LAMMPS (`materials`, and rows of `bad_inputs`), PocketSphinx,
//! sctk and sox (`asr`, `bundle`, `report`) and Chromium (`report`). `just test` installs and
//! starts them and runs `cargo test --test services`; plain `cargo test` leaves this binary
//! out. A missing service fails its tests with what to install, never skips them.

#[path = "../cli/common.rs"]
mod common;

mod asr;
mod bad_inputs;
mod bundle;
mod llm;
mod materials;
mod publish;
mod report;
mod slurm;
