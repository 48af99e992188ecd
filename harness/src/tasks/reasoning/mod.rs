//! Reasoning suites: maths word problems with a numeric final answer (GSM8K) and multiple
//! choice.

pub mod extract;
pub mod gsm8k;
pub mod multiple_choice;
