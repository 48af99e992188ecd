//! Fuzzes the LAMMPS input screen (host code, escaping paths, includes).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::lammps_screen(data));
