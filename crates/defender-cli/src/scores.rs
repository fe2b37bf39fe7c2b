//! `defender scores`: the organization's exposure and device secure scores, and exposure by
//! device group, with a bar and a band for each.

use std::fmt::Write as _;

use defender_sdk::edm::DateTimeOffset;
use defender_sdk::graph::SecureScore;
use defender_sdk::{ConfigurationScore, ExposureScore};
use serde_json::{Value, json};

/// Microsoft Secure Score (Microsoft Graph's `secureScores`): the latest daily entry, and how it
/// moved since the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrosoftSecureScore {
    /// The latest entry's score.
    pub current: f64,
    /// The most it could be.
    pub max: f64,
    /// When the latest entry was calculated.
    pub created: Option<DateTimeOffset>,
    /// The latest score less the previous day's, when there is one.
    pub change: Option<f64>,
}

impl MicrosoftSecureScore {
    /// From `entries` in any order: the newest by `createdDateTime` and the one before it.
    /// `None` when no entry has a current and a maximum score.
    pub fn from_entries(entries: &[SecureScore]) -> Option<Self> {
        let mut dated: Vec<&SecureScore> =
            entries.iter().filter(|e| e.current_score.is_some() && e.max_score.is_some()).collect();
        // Newest first, by instant.
        dated.sort_by_key(|e| std::cmp::Reverse(e.created_date_time));
        let latest = dated.first()?;
        let current = latest.current_score?;
        Some(Self {
            current,
            max: latest.max_score?,
            created: latest.created_date_time,
            change: dated
                .get(1)
                .and_then(|previous| previous.current_score)
                .map(|previous| current - previous),
        })
    }

    /// The score as a percentage of the maximum.
    pub fn percentage(&self) -> Option<f64> {
        (self.max > 0.0).then(|| self.current / self.max * 100.0)
    }
}

/// Width of a full bar, for a score of 100.
const BAR: usize = 30;

/// The band of an exposure score (0–100, higher is more exposed), as the portal names them.
pub fn exposure_band(score: f64) -> &'static str {
    match score {
        s if s < 30.0 => "low",
        s if s < 70.0 => "medium",
        _ => "high",
    }
}

/// The band of a device secure score (higher is better configured).
pub fn secure_band(score: f64) -> &'static str {
    match score {
        s if s < 30.0 => "low",
        s if s < 70.0 => "medium",
        _ => "high",
    }
}

fn bar(score: f64) -> String {
    let filled = ((score.clamp(0.0, 100.0) / 100.0) * BAR as f64).round() as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled))
}

/// The report, as text.
pub fn report(
    exposure: &ExposureScore,
    secure: &ConfigurationScore,
    groups: &[ExposureScore],
    microsoft: Option<&MicrosoftSecureScore>,
) -> String {
    let mut out = String::new();
    let score = |s: Option<f64>| s.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"));
    let _ = writeln!(out, "Organization");
    if let Some(value) = exposure.score {
        let _ = writeln!(
            out,
            "  {:<22} {:>6}  {}  {} exposure",
            "Exposure score",
            score(Some(value)),
            bar(value),
            exposure_band(value)
        );
    }
    if let Some(value) = secure.score {
        let shown = if value <= 100.0 { bar(value) } else { " ".repeat(BAR) };
        let _ = writeln!(
            out,
            "  {:<22} {:>6}  {}  {} secure score",
            "Device secure score",
            score(Some(value)),
            shown,
            secure_band(value)
        );
    }
    if let Some(time) = exposure.time {
        let _ = writeln!(out, "  {:<22} {time}", "Calculated");
    }
    if let Some(microsoft) = microsoft {
        let _ = writeln!(out);
        let _ = writeln!(out, "Microsoft Secure Score");
        let percentage = microsoft.percentage().unwrap_or(0.0);
        let change =
            microsoft.change.map_or_else(String::new, |c| format!("  {c:+.1} since the previous day"));
        let _ = writeln!(
            out,
            "  {:<22} {:>6.1} of {:.1}  {}  {percentage:.1}%{change}",
            "Secure Score",
            microsoft.current,
            microsoft.max,
            bar(percentage)
        );
        if let Some(created) = &microsoft.created {
            let _ = writeln!(out, "  {:<22} {created}", "Calculated");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Exposure by device group");
    let width = groups.iter().map(|g| group_name(g).chars().count()).max().unwrap_or(0).max(5);
    let mut sorted: Vec<&ExposureScore> = groups.iter().collect();
    sorted.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    for group in sorted {
        let value = group.score.unwrap_or(0.0);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>6}  {}  {}",
            group_name(group),
            score(group.score),
            bar(value),
            exposure_band(value)
        );
    }
    out
}

/// The scores as one JSON object: the organization's two scores and every group's, each the
/// entity as decoded (full precision, timestamps with the digits the service sent, members the
/// SDK does not type kept), for `-o json`.
pub fn json(
    exposure: &ExposureScore,
    secure: &ConfigurationScore,
    groups: &[ExposureScore],
    microsoft: Option<&MicrosoftSecureScore>,
) -> Value {
    json!({
        "exposureScore": entity_json(exposure),
        "deviceSecureScore": entity_json(secure),
        "exposureByDeviceGroup": groups.iter().map(entity_json).collect::<Vec<_>>(),
        "microsoftSecureScore": microsoft.map(|m| json!({
            "currentScore": m.current,
            "maxScore": m.max,
            "percentage": m.percentage(),
            "changeSincePreviousDay": m.change,
            "createdDateTime": m.created.as_ref().map(ToString::to_string),
        })),
    })
}

fn entity_json<T: serde::Serialize>(entity: &T) -> Value {
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

/// The columns of [`rows`].
pub const COLUMNS: [&str; 5] = ["score", "deviceGroup", "value", "band", "time"];

/// The scores as rows, one per score (organization first, then each group in the order the
/// service sent them), for `-o csv`. Values are unrounded.
pub fn rows(
    exposure: &ExposureScore,
    secure: &ConfigurationScore,
    groups: &[ExposureScore],
    microsoft: Option<&MicrosoftSecureScore>,
) -> Vec<Value> {
    let time = |t: &Option<defender_sdk::edm::DateTimeOffset>| t.as_ref().map(ToString::to_string);
    let mut rows = vec![
        json!({
            "score": "exposure",
            "deviceGroup": null,
            "value": exposure.score,
            "band": exposure.score.map(exposure_band),
            "time": time(&exposure.time),
        }),
        json!({
            "score": "device secure score",
            "deviceGroup": null,
            "value": secure.score,
            "band": secure.score.map(secure_band),
            "time": time(&secure.time),
        }),
    ];
    rows.extend(groups.iter().map(|group| {
        json!({
            "score": "group exposure",
            "deviceGroup": group_name(group),
            "value": group.score,
            "band": group.score.map(exposure_band),
            "time": time(&group.time),
        })
    }));
    if let Some(m) = microsoft {
        let created = time(&m.created);
        for (score, value) in [
            ("microsoft secure score", Some(m.current)),
            ("microsoft secure score maximum", Some(m.max)),
            ("microsoft secure score percentage", m.percentage()),
            ("microsoft secure score change since previous day", m.change),
        ] {
            rows.push(
                json!({"score": score, "deviceGroup": null, "value": value, "band": null, "time": created}),
            );
        }
    }
    rows
}

fn group_name(group: &ExposureScore) -> String {
    match (&group.rbac_group_name, group.rbac_group_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("group {id}"),
        (None, None) => "(unnamed)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_portal_ranges() {
        assert_eq!(exposure_band(0.0), "low");
        assert_eq!(exposure_band(29.9), "low");
        assert_eq!(exposure_band(30.0), "medium");
        assert_eq!(exposure_band(69.9), "medium");
        assert_eq!(exposure_band(70.0), "high");
        assert_eq!(bar(50.0).chars().filter(|c| *c == '█').count(), BAR / 2);
        assert_eq!(bar(250.0).chars().filter(|c| *c == '█').count(), BAR);
    }

    #[test]
    fn microsoft_secure_score_takes_the_newest_entry_whatever_the_order() {
        let entry = |day: u32, score: f64| -> SecureScore {
            serde_json::from_value(json!({
                "id": format!("t_{day}"),
                "createdDateTime": format!("2026-12-{day:02}T00:00:00Z"),
                "currentScore": score,
                "maxScore": 200.0,
            }))
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let summary = MicrosoftSecureScore::from_entries(&[entry(4, 90.0), entry(6, 120.0), entry(5, 100.0)])
            .unwrap_or_else(|| panic!("no summary"));
        assert_eq!((summary.current, summary.max, summary.change), (120.0, 200.0, Some(20.0)));
        assert_eq!(summary.percentage(), Some(60.0));
        assert_eq!(MicrosoftSecureScore::from_entries(&[entry(6, 120.0)]).and_then(|s| s.change), None);
        assert!(MicrosoftSecureScore::from_entries(&[]).is_none());
    }
}
