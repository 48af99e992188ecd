//! Fuzzes the reader of LAMMPS log files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::lammps_log(data));
