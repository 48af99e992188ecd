//! Fuzzes the reader of suite spec TOML.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::suite_toml(data));
