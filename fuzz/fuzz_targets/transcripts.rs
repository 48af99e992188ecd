//! Fuzzes the reader of NeMo manifests, Kaldi text + wav.scp and trn transcripts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimbench_fuzz::transcripts(data));
