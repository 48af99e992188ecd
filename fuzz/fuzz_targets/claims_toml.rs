//! Fuzzes the reader of claims files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::claims_toml(data));
