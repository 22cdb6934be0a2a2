//! The short human summary printed after a run: per cohort, identified, protected and completed
//! rates, the referral gap, the share lost in movement (when the scenario has movements) and the
//! channel that leaks most of its cases before their goal (movements apart).
//! Every figure is read from a CSV file of the run, so a script can rebuild it (a test does): the
//! rates from `rates.csv`, the gap from `gap.csv`, the worst channel from the cohort's
//! `channels.csv` row with `movement = false` and the most `leaked_before_goal` (first in channel
//! order on a tie) and its `leaked_before_goal_rate`, the share lost in movement from the sum of
//! the cohort's `leaked_per_year` over movement rows divided by its victims.

use super::number::shown;
use std::fmt::Write;

use super::csv::round;
use crate::engine::RunResult;
use crate::model::Measure;
use crate::scenario::{Cohort, Scenario};
use crate::stats::interval::{Z95, wilson};
use crate::stats::{CohortTally, GroupTally};

/// One cohort's line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortLine {
    /// Cohort name.
    pub cohort: String,
    /// Victims per year.
    pub victims: f64,
    /// Identified rate.
    pub identified: f64,
    /// Protected rate.
    pub protected: f64,
    /// Completed rate and its Wilson 95 % interval.
    pub completed: (f64, f64, f64),
    /// Referral gap and its paired 95 % interval.
    pub gap: (f64, f64, f64),
    /// The channel that accounts for most cases of the cohort lost, dropped or misclassified
    /// **before their goal was reached**, with that share of the cohort's trials (leaks after
    /// the goal cost a later service, not the assistance the goal stands for); movements are not
    /// candidates.
    pub worst_channel: Option<(String, f64)>,
    /// Share of the cohort's trials lost, dropped or misclassified on movements ("lost in
    /// movement"); `None` when the scenario has no movement.
    pub movement_loss: Option<f64>,
}

impl CohortLine {
    /// The line of `cohort` from its tally (`total` is the all-entries group).
    pub fn new(s: &Scenario, cohort: &Cohort, tally: &CohortTally, total: &GroupTally) -> CohortLine {
        let n = total.trials.max(1) as f64;
        let rate = |m: Measure| total.count(m) as f64 / n;
        let done = total.count(Measure::Completed);
        let (lo, hi) = wilson(done, total.trials, Z95);
        let worst = tally
            .channels
            .iter()
            .enumerate()
            .filter(|(i, c)| c.leaked_before_goal() > 0 && !s.channels()[*i].movement)
            .max_by_key(|(i, c)| (c.leaked_before_goal(), std::cmp::Reverse(*i)))
            .map(|(i, c)| (s.channels()[i].id.clone(), c.leaked_before_goal() as f64 / n));
        // Rates and the gap as the CSVs hold them (rounded to 12 significant digits), so that
        // every printed figure is rebuilt from the tables to the last digit.
        let (g, _) = tally.gap(Z95);
        let (gap, gap_lo, gap_hi) = (g.gap, g.lo, g.hi);
        CohortLine {
            cohort: cohort.name.clone(),
            victims: cohort.victims,
            identified: round(rate(Measure::Identified)),
            protected: round(rate(Measure::Protected)),
            completed: (round(rate(Measure::Completed)), round(lo), round(hi)),
            gap: (round(gap), round(gap_lo), round(gap_hi)),
            worst_channel: worst,
            movement_loss: s.channels().iter().any(|c| c.movement).then(|| {
                let leaked: u64 = (tally.channels.iter().zip(s.channels()))
                    .filter(|(_, ch)| ch.movement)
                    .map(|(c, _)| c.leaked())
                    .sum();
                leaked as f64 / n
            }),
        }
    }
}

/// One variant's line of the ranking: gains over the baseline, all cohorts weighted by victims.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantLine {
    /// Variant name.
    pub variant: String,
    /// Completed victims per year gained, with its 95 % interval.
    pub completed: (f64, f64, f64),
    /// Protected victims per year gained, with its 95 % interval.
    pub protected: (f64, f64, f64),
    /// `completed` gain as a share of the baseline's referral gap, both in victims per year
    /// (the share of the gap a communication practice closes; other practices, such as
    /// training, can exceed or fall outside it).
    pub gap_closed: Option<f64>,
    /// Whether the 95 % interval of the difference in completed rate (all cohorts) between this
    /// variant and the next one of the ranking contains 0 (`pairwise.csv`); `None` for the last
    /// line and for variants outside the paired ones.
    pub tied_with_next: Option<bool>,
}

/// Renders the ranking of variants (already sorted, best first).
pub fn render_ranking(lines: &[VariantLine], paired: bool) -> String {
    let mut out = String::new();
    if lines.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "variants ranked by completed victims per year gained over the baseline, all cohorts ({} 95% CI):",
        if paired { "paired" } else { "independent-streams" }
    );
    let width = name_width(lines.iter().map(|l| l.variant.as_str()));
    let _ = writeln!(
        out,
        "  {:>4}  {:<width$}  {:>30}  {:>30}  {:>10}",
        "rank", "variant", "completed / year (95% CI)", "protected / year (95% CI)", "vs gap"
    );
    let fmt = |x: (f64, f64, f64)| format!("{:+.1} ({:+.1} to {:+.1})", shown(x.0, 1), shown(x.1, 1), shown(x.2, 1));
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>4}  {:<width$}  {:>30}  {:>30}  {:>10}",
            i + 1,
            clip(&l.variant, width),
            fmt(l.completed),
            fmt(l.protected),
            l.gap_closed.map_or_else(|| "-".to_owned(), pct)
        );
        if l.tied_with_next == Some(true) {
            out.pop();
            out.push_str("  ≈ next\n");
        }
    }
    if lines.iter().any(|l| l.tied_with_next == Some(true)) {
        let _ = writeln!(
            out,
            "  ≈ next: the 95% interval of the difference from the next variant contains 0 (pairwise.csv)"
        );
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Width of the cohort-name column: the longest name, between 6 and 44 characters.
pub(crate) fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(|n| n.chars().count()).max().unwrap_or(6).clamp(6, 44)
}

/// `name` cut to `width` characters.
pub(crate) fn clip(name: &str, width: usize) -> String {
    name.chars().take(width).collect()
}

/// Renders the summary table of a run.
pub fn render(title: &str, lines: &[CohortLine]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let width = name_width(lines.iter().map(|l| l.cohort.as_str()));
    // The "lost in movement" column only for scenarios with movements.
    let movements = lines.iter().any(|l| l.movement_loss.is_some());
    let _ = writeln!(
        out,
        "  {:<width$}  {:>8}  {:>10}  {:>9}  {:>22}  {:>24}  {}worst channel before goal (share of victims leaked)",
        "cohort",
        "victims",
        "identified",
        "protected",
        "completed (95% CI)",
        "gap vs perfect (95% CI)",
        if movements { "lost in movement  " } else { "" }
    );
    for l in lines {
        let name = clip(&l.cohort, width);
        let completed = format!("{} ({}–{})", pct(l.completed.0), pct(l.completed.1), pct(l.completed.2));
        let gap = format!(
            "{:+.1} pts ({:+.1}–{:+.1})",
            shown(100.0 * l.gap.0, 1),
            shown(100.0 * l.gap.1, 1),
            shown(100.0 * l.gap.2, 1)
        );
        let worst = l
            .worst_channel
            .as_ref()
            .map_or_else(|| "none".to_owned(), |(c, share)| format!("{c} ({})", pct(*share)));
        let moved = match (movements, l.movement_loss) {
            (false, _) => String::new(),
            (true, x) => format!("{:>16}  ", x.map_or_else(|| "-".to_owned(), pct)),
        };
        let _ = writeln!(
            out,
            "  {name:<width$}  {:>8}  {:>10}  {:>9}  {completed:>22}  {gap:>24}  {moved}{worst}",
            format!("{:.0}", l.victims),
            pct(l.identified),
            pct(l.protected),
        );
    }
    out
}

/// The whole terminal summary of a run of `s` (title, cohort lines, then the ranking of the
/// variants), as printed and as saved in `summary.txt`.
pub fn text(s: &Scenario, result: &RunResult, lines: &[CohortLine], ranking: &[VariantLine]) -> String {
    let title = format!(
        "{}: {} cohort(s) × {} trials, seed {}, {} variant(s) besides the baseline",
        s.name(),
        s.cohorts().len(),
        trials_label(result),
        result.config.seed,
        s.variants().len()
    );
    let mut out = render(&title, lines);
    out.push('\n');
    if !ranking.is_empty() {
        out.push_str(&render_ranking(ranking, !result.config.independent));
        out.push('\n');
    }
    out
}

/// `N` when every cohort ran the same trials, else `N1–N2` (a run with a target precision).
fn trials_label(result: &RunResult) -> String {
    let lo = result.stops.iter().map(|st| st.trials).min().unwrap_or(0);
    let hi = result.stops.iter().map(|st| st.trials).max().unwrap_or(0);
    let reasons: Vec<&str> = result.stops.iter().map(|st| st.reason.name()).collect();
    let why = if result.config.precision.is_some() {
        format!(" (stopped by: {})", reasons.join(", "))
    } else {
        String::new()
    };
    if lo == hi {
        format!("{lo}{why}")
    } else {
        format!("{lo}–{hi}{why}")
    }
}
