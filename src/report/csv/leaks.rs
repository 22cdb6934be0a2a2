//! The rows of the two tables that say where cases end: `channels.csv` (the leak map: cases
//! lost, dropped or misclassified on a channel, before or after their goal) and `authorities.csv`
//! (arrivals, closes, stalls of each kind and dropouts at each authority). Both have one row per
//! cohort and one `cohort = *` row combining the cohorts weighted by victims per year
//! (docs/MODEL.md, "Outputs").

use serde::Serialize;

use super::CsvRow;

/// A row of `channels.csv`: the leak map of one channel, for one cohort or all (`*`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChannelRow {
    /// Variant name.
    pub variant: String,
    /// Channel id.
    pub channel: String,
    /// Sending authority id.
    pub from: String,
    /// Receiving authority id.
    pub to: String,
    /// Attempts made (simulated; summed over cohorts in `*` rows).
    pub attempts: u64,
    /// Attempts that failed.
    pub failures: u64,
    /// Cases lost on the channel.
    pub losses: u64,
    /// Dropouts while a referral on the channel was pending.
    pub dropouts: u64,
    /// Files delivered incomplete.
    pub degraded: u64,
    /// The channel's share of the cohort's lost cases (`*`: of lost victims per year, cohorts
    /// weighted by victims); empty when nothing was lost.
    pub loss_share: Option<f64>,
    /// Cases misclassified because this channel degraded their file.
    pub misclassified: u64,
    /// Victims per year lost on the channel.
    pub lost_per_year: f64,
    /// Victims per year lost, dropped or misclassified because of the channel.
    pub leaked_per_year: f64,
    /// Cohort name, or `*` for every cohort weighted by victims per year.
    pub cohort: String,
    /// Cases lost, dropped or misclassified on the channel before their goal was reached.
    pub leaked_before_goal: u64,
    /// The same, after the goal was reached.
    pub leaked_after_goal: u64,
    /// `leaked_before_goal` per simulated victim of the cohort (`*`: victims-weighted mean of
    /// the cohorts' rates).
    pub leaked_before_goal_rate: Option<f64>,
    /// `leaked_after_goal` per simulated victim of the cohort (`*`: as above).
    pub leaked_after_goal_rate: Option<f64>,
    /// Victims per year leaked on the channel before their goal.
    pub leaked_before_goal_per_year: f64,
    /// Victims per year leaked on the channel after their goal.
    pub leaked_after_goal_per_year: f64,
    /// Whether the channel is the victim's own movement (its losses are "lost in movement",
    /// not communication leaks).
    pub movement: bool,
    /// Country code of the sending authority.
    pub from_country: String,
    /// Country code of the receiving authority.
    pub to_country: String,
    /// Whether the two ends are in different countries.
    pub cross_border: bool,
    /// Whether the channel rests on a written agreement or SOP (metadata).
    pub formal: bool,
}

/// A row of `authorities.csv`: where the cases of a cohort (or all, `*`) ended at one
/// authority, and how many passed through it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuthorityRow {
    /// Variant name.
    pub variant: String,
    /// Cohort name, or `*`.
    pub cohort: String,
    /// Authority id.
    pub authority: String,
    /// Country code of the authority.
    pub country: String,
    /// Kind of the authority.
    pub kind: &'static str,
    /// Simulated victims of the cohort (`*`: summed).
    pub trials: u64,
    /// Identified cases that entered here.
    pub entered: u64,
    /// Deliveries of a case here by a channel.
    pub arrivals: u64,
    /// Referrals sent from here and delivered.
    pub referred: u64,
    /// Cases closed here.
    pub closed: u64,
    /// Cases stalled here with no eligible option (a structural hole).
    pub stalled_hole: u64,
    /// Cases stalled here on reaching `max_hops`.
    pub stalled_max_hops: u64,
    /// Victims who dropped out while a referral from here was pending.
    pub dropped: u64,
    /// Cases lost on a referral sent from here.
    pub lost: u64,
    /// Cases misclassified on arrival here.
    pub misclassified: u64,
    /// `closed` per simulated victim (`*`: victims-weighted mean of the cohorts' rates).
    pub closed_rate: Option<f64>,
    /// `stalled_hole` per simulated victim.
    pub stalled_hole_rate: Option<f64>,
    /// `stalled_max_hops` per simulated victim.
    pub stalled_max_hops_rate: Option<f64>,
    /// `dropped` per simulated victim.
    pub dropped_rate: Option<f64>,
    /// Victims per year closed here.
    pub closed_per_year: f64,
    /// Victims per year stalled here in a structural hole.
    pub stalled_hole_per_year: f64,
    /// Victims per year stalled here at `max_hops`.
    pub stalled_max_hops_per_year: f64,
    /// Victims per year who dropped out while a referral from here was pending.
    pub dropped_per_year: f64,
}

csv_row!(
    ChannelRow,
    "channels.csv",
    [
        "variant",
        "channel",
        "from",
        "to",
        "attempts",
        "failures",
        "losses",
        "dropouts",
        "degraded",
        "loss_share",
        "misclassified",
        "lost_per_year",
        "leaked_per_year",
        "cohort",
        "leaked_before_goal",
        "leaked_after_goal",
        "leaked_before_goal_rate",
        "leaked_after_goal_rate",
        "leaked_before_goal_per_year",
        "leaked_after_goal_per_year",
        "movement",
        "from_country",
        "to_country",
        "cross_border",
        "formal"
    ]
);
csv_row!(
    AuthorityRow,
    "authorities.csv",
    [
        "variant",
        "cohort",
        "authority",
        "country",
        "kind",
        "trials",
        "entered",
        "arrivals",
        "referred",
        "closed",
        "stalled_hole",
        "stalled_max_hops",
        "dropped",
        "lost",
        "misclassified",
        "closed_rate",
        "stalled_hole_rate",
        "stalled_max_hops_rate",
        "dropped_rate",
        "closed_per_year",
        "stalled_hole_per_year",
        "stalled_max_hops_per_year",
        "dropped_per_year"
    ]
);

#[cfg(test)]
mod tests {
    use super::super::tests::header_matches;
    use super::*;

    #[test]
    fn headers_match_fields() {
        let v = || "v".to_owned();
        header_matches(ChannelRow {
            variant: v(),
            channel: v(),
            from: v(),
            to: v(),
            attempts: 0,
            failures: 0,
            losses: 0,
            dropouts: 0,
            degraded: 0,
            loss_share: None,
            misclassified: 0,
            lost_per_year: 0.0,
            leaked_per_year: 0.0,
            cohort: v(),
            leaked_before_goal: 0,
            leaked_after_goal: 0,
            leaked_before_goal_rate: None,
            leaked_after_goal_rate: None,
            leaked_before_goal_per_year: 0.0,
            leaked_after_goal_per_year: 0.0,
            movement: false,
            from_country: v(),
            to_country: v(),
            cross_border: false,
            formal: false,
        });
        header_matches(AuthorityRow {
            variant: v(),
            cohort: v(),
            authority: v(),
            country: v(),
            kind: "police",
            trials: 0,
            entered: 0,
            arrivals: 0,
            referred: 0,
            closed: 0,
            stalled_hole: 0,
            stalled_max_hops: 0,
            dropped: 0,
            lost: 0,
            misclassified: 0,
            closed_rate: None,
            stalled_hole_rate: None,
            stalled_max_hops_rate: None,
            dropped_rate: None,
            closed_per_year: 0.0,
            stalled_hole_per_year: 0.0,
            stalled_max_hops_per_year: 0.0,
            dropped_per_year: 0.0,
        });
    }
}
