//! The `defender` command's logic, as a library so that it is tested directly.

pub mod config;
pub mod decode;
pub mod endpoints;
pub mod output;
pub mod scores;
