//! Response decoding must never panic, whatever the bytes: the generated types, collection
//! pages, and `defender decode`'s path from `@odata.context` to a type.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(machine) = serde_json::from_slice::<defender_sdk::Machine>(data) {
        assert!(serde_json::to_vec(&machine).is_ok());
    }
    if let Ok(page) = serde_json::from_slice::<defender_sdk::Page<defender_sdk::Alert>>(data) {
        assert!(serde_json::to_vec(&page).is_ok());
    }
    if let Ok(any) = serde_json::from_slice::<defender_sdk::AnyScanAuthenticationParams>(data) {
        assert!(serde_json::to_vec(&any).is_ok());
    }
    // Errors are expected for most inputs; only a panic is a finding.
    if let Ok(decoded) = defender_cli::decode::decode(data, None) {
        assert!(decoded.output.is_object());
    }
});
