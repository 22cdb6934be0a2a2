//! `refgap check`: validate scenarios and print what each holds and what each variant changes,
//! without simulating.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::LoadArgs;
use std::collections::{BTreeMap, HashMap};

use crate::scenario::Scenario;
use crate::scenario::diff::diff;
use crate::scenario::graph::ReferralGraph;

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// Scenario files (`.toml`) or scenario folders (holding `scenario.toml`).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    variants: LoadArgs,
}

pub(super) fn check(args: &CheckArgs) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    let mut failed = 0;
    for path in &args.scenarios {
        match args.variants.load(path) {
            Ok(s) => write!(stdout, "{}", describe(&s))?,
            Err(e) => {
                eprintln!("error: {e:#}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} scenario(s) are invalid", args.scenarios.len());
    }
    Ok(())
}

/// The `check` summary of a valid scenario.
fn describe(s: &Scenario) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}): valid", s.name(), s.source().path.display());
    let movements = match s.channels().iter().filter(|c| c.movement).count() {
        0 => String::new(),
        n => format!(", {n} movement(s)"),
    };
    let _ = writeln!(
        out,
        "  {} countries, {} authorities, {} channels ({} cross-border, {} formal{movements}), {} cohorts",
        s.countries().len(),
        s.authorities().len(),
        s.channels().len(),
        s.channels().iter().filter(|c| c.cross_border).count(),
        s.channels().iter().filter(|c| c.formal).count(),
        s.cohorts().len()
    );
    let _ = writeln!(
        out,
        "  seed {}, {} trials per cohort, max_hops {}, horizon {}",
        s.seed(),
        s.trials(),
        s.max_hops(),
        s.horizon_days().map_or("none".to_owned(), |h| format!("{h} days"))
    );
    // Counted in a map: a linear search per channel made `check` quadratic on large scenarios.
    let mut pairs: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let country = |a: usize| s.authorities()[a].country;
    for c in s.channels() {
        *pairs.entry((country(c.from), country(c.to))).or_default() += 1;
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    // In order of first appearance among the channels, as before.
    let mut first: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, c) in s.channels().iter().enumerate() {
        first.entry((country(c.from), country(c.to))).or_insert(i);
    }
    pairs.sort_by_key(|(k, _)| first[k]);
    let _ = writeln!(out, "  channels per country pair:");
    for ((f, t), n) in pairs {
        let _ = writeln!(out, "    {} -> {}: {n}", s.countries()[f].code, s.countries()[t].code);
    }
    let graph = ReferralGraph::new(s);
    let _ = writeln!(out, "  cohorts:");
    for c in s.cohorts() {
        let reach = graph.reachable(s, c).iter().filter(|r| **r).count();
        let uniform = (1..c.entry.len()).all(|k| c.goal(k) == c.goal(0));
        let entries: Vec<String> = c
            .entry
            .iter()
            .enumerate()
            .map(|(k, &(a, w))| {
                let goal = match uniform {
                    true => String::new(),
                    false => format!(" (goal {})", c.goal(k)),
                };
                format!("{} {:.0}%{goal}", s.authorities()[a].id, 100.0 * w)
            })
            .collect();
        let goal = match uniform {
            true => c.goal(0).to_string(),
            false => "by entry point".to_owned(),
        };
        let _ = writeln!(
            out,
            "    {}: {} {}, {}, {} victims/year; entry {}; goal {}; reaches {} authorities",
            c.name,
            s.countries()[c.origin].code,
            c.age.name(),
            if c.exploitation.is_empty() {
                "-"
            } else {
                &c.exploitation
            },
            c.victims,
            entries.join(", "),
            goal,
            reach
        );
    }
    if !s.variants().is_empty() {
        let _ = writeln!(out, "  variants ({} besides the baseline):", s.variants().len());
        for v in s.variants() {
            let d = diff(s, &v.scenario);
            let _ = writeln!(
                out,
                "    {} [{}]: {} channel(s) and {} authorit(ies) added or changed, {} and {} \
                 removed; {} authorities, {} channels",
                v.name,
                v.kind.name(),
                d.channels_changed,
                d.authorities_changed,
                d.channels_removed,
                d.authorities_removed,
                v.scenario.authorities().len(),
                v.scenario.channels().len()
            );
        }
    }
    let e = crate::exact::estimate::estimate(s);
    let _ = writeln!(
        out,
        "  exact solution: at most {} chain states (largest chain {}), up to {} MiB",
        e.states,
        e.largest,
        e.bytes.div_ceil(1 << 20)
    );
    if s.warnings().is_empty() {
        let _ = writeln!(out, "  no warnings");
    } else {
        let _ = writeln!(out, "  warnings:");
        for w in s.warnings() {
            let _ = writeln!(out, "    - {w}");
        }
    }
    out
}
