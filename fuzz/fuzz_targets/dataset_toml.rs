//! Fuzzes the reader of dataset.toml.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::dataset_toml(data));
