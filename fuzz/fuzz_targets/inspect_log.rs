//! Fuzzes the Inspect log reader of `claimbench import inspect` (zip and single-JSON layouts), and the import of what it reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::inspect_log(data));
