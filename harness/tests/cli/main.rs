//! End-to-end tests of the `claimbench` binary.

mod asr;
mod bad_inputs;
mod bundle;
mod common;
mod compare;
mod end_to_end;
mod hostile_systems;
mod llm;
mod materials;
mod report;
mod slurm;
