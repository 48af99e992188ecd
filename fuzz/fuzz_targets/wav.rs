//! Fuzzes the reader of WAV files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::wav(data));
