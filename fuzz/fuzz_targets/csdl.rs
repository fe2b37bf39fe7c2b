//! The generator must never panic on a document, whatever the bytes: malformed XML and invalid
//! CSDL are typed errors, and any document the reader accepts generates or fails with an error.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let Ok(model) = xtask::csdl::parse(source) else { return };
    let options = xtask::emit::Options {
        source_label: "fuzz".into(),
        client_type: "crate::Client".into(),
        root_path: "/api".into(),
        features: true,
        tools_feature: true,
    };
    // Errors are expected for many documents; only a panic is a finding.
    let _ = xtask::emit::generate(&model, &options);
});
