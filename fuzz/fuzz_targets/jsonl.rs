//! Fuzzes the reader of JSONL dataset records and predictions files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::jsonl(data));
