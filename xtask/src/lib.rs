//! Project automation for the Defender SDK workspace, above all the CSDL → Rust generator.
//!
//! The generator is a pipeline: [`csdl`] parses and checks a document into a model, [`emit`]
//! turns the model into formatted Rust, and [`codegen`] decides where files go and whether the
//! checked-in ones are current.

pub mod bench;
pub mod codegen;
pub mod conformance;
pub mod csdl;
pub mod emit;
pub mod metadata;
pub mod plan;
