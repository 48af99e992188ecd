//! Fuzzes the reader of system TOML files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::system_toml(data));
