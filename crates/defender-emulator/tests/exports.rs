//! Exports "via files" end to end: the emulator's export endpoint lists gzip files on its
//! storage listener (another port, standing in for Azure Storage), and the SDK streams their
//! rows into the generated row type, every row once, through every storage fault, without ever
//! sending the API token to storage (asserted from the listener's record of headers).

use defender_emulator::{Config, Emulator, StorageFaults};
use defender_sdk::{AssetVulnerability, DefenderClient, ErrorKind};
use std::collections::HashSet;

mod common;

const ROWS: usize = 5_000;

async fn emulator_and_client() -> (Emulator, DefenderClient) {
    let config = Config { machines: 200, export_rows: ROWS, export_files: 4, ..Config::default() };
    let emulator = Emulator::start(config).await.unwrap_or_else(|e| panic!("{e}"));
    let client = common::client(&emulator, 5);
    (emulator, client)
}

async fn all_rows(client: &DefenderClient) -> defender_sdk::Result<Vec<AssetVulnerability>> {
    client.machines().software_vulnerabilities_export_rows(None).concurrency(2).collect_all().await
}

/// Every row once, each with its members in typed fields although the files spell them in
/// PascalCase.
fn assert_every_row_once(rows: &[AssetVulnerability]) {
    assert_eq!(rows.len(), ROWS);
    let ids: HashSet<&str> = rows.iter().filter_map(|row| row.id.as_deref()).collect();
    assert_eq!(ids.len(), ROWS, "every row once");
    for row in rows {
        assert!(row.additional_properties.is_empty(), "kept as unknown: {:?}", row.additional_properties);
    }
    // The emulator leaves a few nullable members null, as the service may.
    let with_device = rows.iter().filter(|row| row.device_id.is_some() && row.device_name.is_some()).count();
    assert!(with_device > ROWS * 9 / 10, "{with_device} rows name their device");
}

fn assert_no_token_reached_storage(emulator: &Emulator) {
    let requests = emulator.storage_requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.authorization, None, "the API token reached storage: {request:?}");
    }
}

#[tokio::test]
async fn every_row_of_every_file_arrives_typed_and_once() {
    let (emulator, client) = emulator_and_client().await;
    let files =
        client.machines().software_vulnerabilities_export(None).await.unwrap_or_else(|e| panic!("{e}"));
    let links = files.export_files.unwrap_or_default();
    assert_eq!(links.len(), 4);
    assert!(links.iter().all(|link| link.starts_with(emulator.storage_url())), "{links:?}");
    assert!(!emulator.storage_url().starts_with(&emulator.base_url()), "storage is another host");

    let rows = all_rows(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_every_row_once(&rows);
    // `OSPlatform` in the files lands in `os_platform`.
    assert!(rows.iter().filter(|row| row.os_platform.is_some()).count() > ROWS * 9 / 10);
    assert_no_token_reached_storage(&emulator);
}

#[tokio::test]
async fn pending_copies_server_errors_and_a_reset_mid_file_still_give_every_row_once() {
    let (emulator, client) = emulator_and_client().await;
    emulator.set_storage_faults(StorageFaults {
        pending_copies: 1,
        server_errors: 1,
        reset_after_bytes: Some(1_000),
        ..StorageFaults::default()
    });
    let rows = all_rows(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_every_row_once(&rows);
    let requests = emulator.storage_requests();
    // Each file: a 503, a pending copy, a cut answer, then the rest from byte 1,000.
    assert_eq!(requests.iter().filter(|r| r.status == 503).count(), 4, "{requests:?}");
    assert_eq!(
        requests.iter().filter(|r| r.range.as_deref() == Some("bytes=1000-")).count(),
        4,
        "{requests:?}"
    );
    assert!(requests.iter().filter(|r| r.range.is_some()).all(|r| r.status == 206));
    assert_no_token_reached_storage(&emulator);
}

#[tokio::test]
async fn a_server_that_ignores_range_is_read_from_the_start_and_skipped_to_where_it_broke() {
    let (emulator, client) = emulator_and_client().await;
    emulator.set_storage_faults(StorageFaults {
        reset_after_bytes: Some(2_500),
        ignore_range: true,
        ..StorageFaults::default()
    });
    let rows = all_rows(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_every_row_once(&rows);
}

#[tokio::test]
async fn an_expired_link_is_a_storage_error_that_says_to_ask_again() {
    let (emulator, client) = emulator_and_client().await;
    emulator.set_storage_faults(StorageFaults { expired: true, ..StorageFaults::default() });
    let error = all_rows(&client).await.err().unwrap_or_else(|| panic!("rows from an expired link"));
    let ErrorKind::Storage(storage) = error.kind() else { panic!("{error:?}") };
    assert!(storage.link_expired);
    assert_eq!(storage.code.as_deref(), Some("AuthenticationFailed"));
    assert_eq!(storage.status.as_u16(), 403);
    let said = error.to_string();
    assert!(said.contains("ask for a new one") && !said.contains("sig="), "{said}");
    assert_no_token_reached_storage(&emulator);
}
