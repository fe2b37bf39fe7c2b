//! Device response actions to completion against the emulator: each action goes `Pending`,
//! `InProgress`, then ends (succeeded, or failed or timed out when its comment asks), a second
//! action of the same kind while one is running is refused with `ActiveRequestAlreadyExists`,
//! and the SDK's wait reports each outcome, the deadline and why.

use std::time::Duration;

use defender_emulator::{Config, Emulator};
use defender_sdk::{
    ActionOutcome, ActionRefusal, ActionWait, AntiVirusScanType, DefenderClient, ErrorKind, IsolationType,
    MachineActionStatus, MachineActionType,
};

mod common;

async fn emulator_and_client() -> (Emulator, DefenderClient) {
    let emulator =
        Emulator::start(Config { machines: 50, ..Config::default() }).await.unwrap_or_else(|e| panic!("{e}"));
    let client = common::client(&emulator, 3);
    (emulator, client)
}

/// Polls a few milliseconds apart, so that a test follows an action in well under a second.
fn quickly() -> ActionWait {
    ActionWait::default().poll_interval(Duration::from_millis(5), Duration::from_millis(20))
}

async fn machine_ids(client: &DefenderClient, n: usize) -> Vec<String> {
    let machines =
        client.machines().list().top(n as u64).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    machines.into_iter().map(|m| m.id).collect()
}

#[tokio::test]
async fn an_isolation_is_followed_to_success_and_a_second_one_meanwhile_is_refused() {
    let (_emulator, client) = emulator_and_client().await;
    let [machine] = machine_ids(&client, 1).await.try_into().unwrap_or_else(|v| panic!("{v:?}"));
    let device = client.machines().get(&machine);
    let action = device.isolate("Contain", Some(IsolationType::Full)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(action.status, Some(MachineActionStatus::Pending));

    // While it runs, the same action on the same device is refused, with a kind to match on.
    let error = device.isolate("Contain again", None).await.err().unwrap_or_else(|| panic!("not refused"));
    assert!(
        matches!(
            error.kind(),
            ErrorKind::ActionRefused { reason: ActionRefusal::ActiveRequestAlreadyExists, error }
                if error.status.as_u16() == 400
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("already pending or in progress"), "{error}");
    // The action it waits behind is found, since the refusal does not name it.
    let pending = client.pending_machine_actions(&machine).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pending.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), [action.id.as_str()]);
    // Another kind of action on the device is not refused.
    let scan =
        device.run_anti_virus_scan("Scan", AntiVirusScanType::Quick).await.unwrap_or_else(|e| panic!("{e}"));

    let finished =
        client.wait_for_machine_action(&action.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.outcome, ActionOutcome::Succeeded);
    assert!(finished.succeeded());
    assert_eq!(finished.action.r#type, Some(MachineActionType::Isolate));
    assert_eq!(finished.action.status, Some(MachineActionStatus::Succeeded));
    // Pending, InProgress, Succeeded: one read each.
    assert_eq!(finished.polls, 3);
    assert_eq!(finished.reason(), None);

    // Once it has ended, the device can be isolated again.
    device.isolate("Contain once more", None).await.unwrap_or_else(|e| panic!("{e}"));
    let scanned =
        client.wait_for_machine_action(&scan.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scanned.outcome, ActionOutcome::Succeeded);
}

#[tokio::test]
async fn failures_timeouts_cancellations_and_the_deadline_say_which_and_why() {
    let (_emulator, client) = emulator_and_client().await;
    let machines = machine_ids(&client, 4).await;

    let failing = client.machines().get(&machines[0]).collect_investigation_package("[emulator:fail]").await;
    let failing = failing.unwrap_or_else(|e| panic!("{e}"));
    let failed =
        client.wait_for_machine_action(&failing.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(failed.outcome, ActionOutcome::Failed);
    let reason = failed.reason().unwrap_or_default();
    assert!(reason.contains("could not carry out") && reason.contains("0x80070002"), "{reason}");

    let stalled = client.machines().get(&machines[1]).unisolate("[emulator:timeout]").await;
    let stalled = stalled.unwrap_or_else(|e| panic!("{e}"));
    let timed_out =
        client.wait_for_machine_action(&stalled.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(timed_out.outcome, ActionOutcome::TimedOut);
    assert!(timed_out.reason().unwrap_or_default().contains("did not pick the action up"));

    let cancelled = client.machines().get(&machines[2]).restrict_code_execution("Restrict").await;
    let cancelled = cancelled.unwrap_or_else(|e| panic!("{e}"));
    client
        .machineactions()
        .get(&cancelled.id)
        .cancel(Some("Wrong device"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ended =
        client.wait_for_machine_action(&cancelled.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ended.outcome, ActionOutcome::Cancelled);
    assert!(ended.reason().unwrap_or_default().contains("Wrong device"), "{:?}", ended.reason());
    assert_eq!(ended.polls, 1);

    // A deadline shorter than the first poll interval: one read, still pending, and the
    // action goes on to succeed when awaited again.
    let slow =
        client.machines().get(&machines[3]).offboard("Offboard").await.unwrap_or_else(|e| panic!("{e}"));
    let short = ActionWait::default()
        .deadline(Duration::from_millis(30))
        .poll_interval(Duration::from_secs(5), Duration::from_secs(5));
    let waited = client.wait_for_machine_action(&slow.id, &short).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(waited.outcome, ActionOutcome::DeadlinePassed);
    assert!(matches!(
        waited.action.status,
        Some(MachineActionStatus::Pending | MachineActionStatus::InProgress)
    ));
    assert!(waited.polls <= 2, "{}", waited.polls);
    let finished =
        client.wait_for_machine_action(&slow.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.outcome, ActionOutcome::Succeeded);
}

#[tokio::test]
async fn live_response_results_and_an_investigation_package_come_from_storage_without_the_token() {
    let (emulator, client) = emulator_and_client().await;
    let machines = machine_ids(&client, 2).await;
    let commands = vec![
        defender_sdk::live_response_command("RunScript collect.ps1 -Days 7")
            .unwrap_or_else(|e| panic!("{e}")),
        defender_sdk::live_response_command("GetFile C:\\Windows\\Temp\\trace.log")
            .unwrap_or_else(|e| panic!("{e}")),
    ];
    let session = client
        .machines()
        .get(&machines[0])
        .runliveresponse(Some("Collect traces"), commands)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Results exist only once the action has succeeded.
    let early = client.machineactions().get(&session.id).get_live_response_result_download_link(0).await;
    assert_eq!(early.err().and_then(|e| e.status()).map(|s| s.as_u16()), Some(400));

    let finished =
        client.wait_for_machine_action(&session.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.outcome, ActionOutcome::Succeeded);
    let results = client.live_response_results(&session.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(results.len(), 2);
    let script = results[0].script().unwrap_or_else(|| panic!("no transcript: {:?}", results[0]));
    assert_eq!((script.script_name.as_deref(), script.exit_code), (Some("collect.ps1"), Some(0)));
    assert!(script.script_output.unwrap_or_default().contains("-Days 7"));
    assert_eq!(results[1].script(), None);
    assert_eq!(String::from_utf8_lossy(&results[1].content), "contents of C:\\Windows\\Temp\\trace.log\n");

    // The investigation package, streamed to a file.
    let collection = client
        .machines()
        .get(&machines[1])
        .collect_investigation_package("Collect")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client.wait_for_machine_action(&collection.id, &quickly()).await.unwrap_or_else(|e| panic!("{e}"));
    let path = std::env::temp_dir().join(format!("package-{}-{}.zip", std::process::id(), collection.id));
    let written =
        client.download_investigation_package(&collection.id, &path).await.unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&path);
    assert_eq!(written, bytes.len() as u64);
    assert!(bytes.starts_with(b"PK\x03\x04") && bytes.len() > 256 * 1024);

    let requests = emulator.storage_requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests.iter().all(|r| r.authorization.is_none() && r.status == 200), "{requests:?}");
}
