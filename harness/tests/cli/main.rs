//! End-to-end tests of the `claimbench` binary that need nothing but Rust and Python 3 (the
//! example systems are Python programs): `cargo test` runs them anywhere. Tests that need real
//! services are in `tests/services/`.

mod common;
mod compare;
mod datasets;
mod end_to_end;
mod hostile_systems;
mod import;
mod import_inspect;
mod text_suites;
