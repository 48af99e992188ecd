//! Fuzzes the readers of text record files (JSONL, JSON arrays, CSV, TSV) and predictions files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::jsonl(data));
