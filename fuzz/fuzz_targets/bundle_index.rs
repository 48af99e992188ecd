//! Fuzzes the reader of a bundle's index.json and signature.json.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::bundle_index(data));
