//! The `defender` command's logic, as a library so that it is tested directly.

pub mod decode;
pub mod output;
pub mod scores;
