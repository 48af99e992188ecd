//! Fuzzes the reader of bundle archives (zstd-compressed tar).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::bundle_archive(data));
