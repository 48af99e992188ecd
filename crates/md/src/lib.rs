//! The built-in molecular-dynamics engine: Lennard-Jones atoms on an fcc lattice in a periodic
//! box, integrated with velocity Verlet, reading the LAMMPS input subset that the classic
//! benchmark uses and writing a LAMMPS-style log, so that its numbers are parsed and gated by
//! the same code as LAMMPS's.

mod error;

pub mod engine;
pub mod input;
pub mod lattice;
pub mod log;
pub mod neighbor;
#[cfg(feature = "tensor")]
pub mod tensor;

pub use engine::{Kernel, Md, Outcome, Thermo};
pub use error::{Error, Result};
