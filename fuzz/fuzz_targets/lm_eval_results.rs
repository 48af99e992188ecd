//! Fuzzes the lm-eval results file reader of `claimbench import lm-eval`, and the import of what it reads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::lm_eval_results(data));
