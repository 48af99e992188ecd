//! Fuzzes the import of lm-evaluation-harness task files (YAML) as text suites.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::lm_eval_task(data));
