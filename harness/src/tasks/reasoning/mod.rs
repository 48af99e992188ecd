//! Reasoning suites: questions with a single numeric final answer.

pub mod extract;
pub mod gsm8k;
