//! Device response actions to completion: a machine action is answered `Pending`, and the device
//! carries it out later. [`DefenderClient::wait_for_machine_action`] polls it until it ends, or
//! until the caller's deadline.

use std::time::Duration;

use crate::{DefenderClient, MachineAction, MachineActionStatus, Result};

/// How to wait for a machine action: the caller's deadline, and the polling interval, which
/// starts short and doubles up to a ceiling.
///
/// The defaults (first poll after 2 s, at most every 30 s, for up to 30 minutes) stay far
/// inside `GET /api/machineactions/{id}`'s rate limit of 100 calls per minute and 1,500 per hour,
/// even with a few dozen actions awaited at once. Isolation usually ends within minutes; an
/// antivirus scan or an investigation package can take much longer, and an action a device
/// never picks up ends as `TimeOut` on the service's side after days, so set a deadline that
/// fits the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionWait {
    deadline: Duration,
    first_poll: Duration,
    max_poll: Duration,
}

impl Default for ActionWait {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30 * 60),
            first_poll: Duration::from_secs(2),
            max_poll: Duration::from_secs(30),
        }
    }
}

impl ActionWait {
    /// Gives up waiting (with [`ActionOutcome::DeadlinePassed`]) after this long.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Polls first after `first`, then at twice the previous interval, never more than `max`
    /// apart.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// The deadline.
    pub fn deadline_duration(&self) -> Duration {
        self.deadline
    }
}

/// How waiting for a machine action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionOutcome {
    /// `Succeeded`: the device carried the action out.
    Succeeded,
    /// `Failed`: the device could not; see [`FinishedAction::reason`].
    Failed,
    /// `TimeOut`: the service gave up on the device (it was offline, or never picked the
    /// action up).
    TimedOut,
    /// `Cancelled`: someone cancelled the action.
    Cancelled,
    /// The caller's deadline passed with the action still `Pending` or `InProgress`; the
    /// action goes on, and can be awaited again or cancelled.
    DeadlinePassed,
}

impl ActionOutcome {
    /// The outcome of a status the service reports, or `None` while the action is running.
    /// A status this SDK does not know counts as still running, so that a newer intermediate
    /// state does not end the wait early.
    pub fn of(status: &MachineActionStatus) -> Option<Self> {
        match status {
            MachineActionStatus::Succeeded => Some(Self::Succeeded),
            MachineActionStatus::Failed => Some(Self::Failed),
            MachineActionStatus::TimeOut => Some(Self::TimedOut),
            MachineActionStatus::Cancelled => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// A machine action as it was when the wait ended.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedAction {
    /// How the wait ended.
    pub outcome: ActionOutcome,
    /// The action as last read.
    pub action: MachineAction,
    /// How many times the action was read.
    pub polls: u32,
}

impl FinishedAction {
    /// Whether the action succeeded.
    pub fn succeeded(&self) -> bool {
        self.outcome == ActionOutcome::Succeeded
    }

    /// What the service says about why the action ended as it did: the cancellation comment,
    /// its troubleshooting text, or its error code; `None` when it says nothing.
    pub fn reason(&self) -> Option<String> {
        let action = &self.action;
        let mut parts = Vec::new();
        if self.outcome == ActionOutcome::Cancelled {
            let by = action.cancellation_requestor.as_deref().unwrap_or("someone");
            let comment = action.cancellation_comment.as_deref().unwrap_or("no comment");
            parts.push(format!("cancelled by {by}: {comment}"));
        }
        if let Some(info) = action.troubleshoot_info.as_deref().filter(|text| !text.is_empty()) {
            parts.push(info.to_owned());
        }
        if let Some(code) = action.error_h_result.filter(|code| *code != 0) {
            parts.push(format!("error HRESULT {:#010x}", code as u32));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

impl DefenderClient {
    /// Waits for the machine action `action_id` (as a device action such as `isolate`
    /// returned it) to end: `Succeeded`, `Failed`, `TimeOut` or `Cancelled`, or until
    /// `wait`'s deadline passes.
    ///
    /// Each poll is `GET /api/machineactions/{id}` through the client's retry policy, so that
    /// throttling and lost connections are retried as for any call; an error that outlasts
    /// the retries ends the wait with that error.
    ///
    /// ```no_run
    /// # async fn run(client: defender_sdk::DefenderClient) -> defender_sdk::Result<()> {
    /// use defender_sdk::{ActionOutcome, ActionWait};
    /// use std::time::Duration;
    ///
    /// let action = client.machines().get("1e5bc9d7e413ddd7902c2932e418702b84d0cc07").isolate("Contain", None).await?;
    /// let finished = client
    ///     .wait_for_machine_action(&action.id, &ActionWait::default().deadline(Duration::from_secs(600)))
    ///     .await?;
    /// match finished.outcome {
    ///     ActionOutcome::Succeeded => println!("isolated"),
    ///     other => println!("{other:?}: {}", finished.reason().unwrap_or_default()),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_machine_action(
        &self,
        action_id: &str,
        wait: &ActionWait,
    ) -> Result<FinishedAction> {
        let started = tokio::time::Instant::now();
        let deadline = started + wait.deadline;
        let mut interval = wait.first_poll;
        let mut polls = 0;
        loop {
            let action = self.machineactions().get(action_id).await?;
            polls += 1;
            if let Some(outcome) = action.status.as_ref().and_then(ActionOutcome::of) {
                return Ok(FinishedAction { outcome, action, polls });
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(FinishedAction { outcome: ActionOutcome::DeadlinePassed, action, polls });
            }
            // The last poll lands on the deadline rather than past it.
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval * 2).min(wait.max_poll);
        }
    }

    /// The machine actions on a device that are still `Pending` or `InProgress`: what a
    /// refused action ([`ActionRefusal::ActiveRequestAlreadyExists`](crate::error::ActionRefusal))
    /// waits behind.
    pub async fn pending_machine_actions(&self, machine_id: &str) -> Result<Vec<MachineAction>> {
        let status = MachineAction::STATUS;
        let filter = MachineAction::MACHINE_ID
            .eq(machine_id)
            .and(status.eq(MachineActionStatus::Pending).or(status.eq(MachineActionStatus::InProgress)));
        self.machineactions().list().filter(filter).collect_all().await
    }
}
