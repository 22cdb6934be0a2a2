//! Applying a `Change` (a selector and its edits) to a network: the selection, the new values
//! combined and clamped to each parameter's range, the notes about clamping, and the check of
//! the delay laws it leaves.
//!
//! A value written in a file was checked when it was read ([`super::change`]); a *result* that
//! leaves the valid range (`add = { quality = 0.3 }` on 0.9) is clamped to it and reported as a
//! warning, never silently. A change that selects nothing is an error. Which changes an
//! intervention or a sweep point makes, and in which order, is the variant modules' business.

use super::change::{Edit, Param, Target};
use super::selector::Selector;
use crate::error::Problem;
use crate::scenario::check::Checker;
use crate::scenario::raw::RawChange;
use crate::scenario::{Authority, Channel, Country, Scenario};
use crate::vocab::delay::{Delay, MAX_DELAY_DAYS};

/// A selector and the edits applied to what it selects (every edit has the selector's target).
#[derive(Debug, Clone)]
pub(crate) struct Change {
    select: Selector,
    edits: Vec<Edit>,
    /// What a practice's selector looks for, said instead of the selector when it matches nothing.
    looks_for: Option<String>,
}

impl Change {
    /// A change of `edits` to what `select` selects; `looks_for` names the selection in the
    /// message when it is empty (a practice's selector, which the user did not write).
    pub(crate) fn new(select: Selector, edits: Vec<Edit>, looks_for: Option<String>) -> Change {
        debug_assert!(edits.iter().all(|e| e.param.target() == select.target()));
        Change {
            select,
            edits,
            looks_for,
        }
    }

    /// Reads one `[[intervention.change]]`: its edits, then its selector for their target.
    /// `None` when either has problems (they are in `ck`).
    pub(crate) fn read(ck: &mut Checker, loc: &str, raw: &RawChange, countries: &[Country]) -> Option<Change> {
        let edits = super::change::edits_of(ck, loc, raw)?;
        let target = edits[0].param.target();
        let select = Selector::parse(ck, loc, &raw.select.clone().unwrap_or_default(), target, countries)?;
        Some(Change::new(select, edits, None))
    }

    /// Applies the change to `s`. Problems go to `ck`, clamping notes to `warnings`.
    pub(crate) fn apply(&self, s: &mut Scenario, loc: &str, ck: &mut Checker, warnings: &mut Vec<Problem>) {
        let target = self.select.target();
        let Some(selected) = self.select.select(ck, loc, s) else {
            return;
        };
        if selected.is_empty() {
            let what = if target == Target::Channel {
                "channel"
            } else {
                "authority"
            };
            match &self.looks_for {
                Some(looks_for) => ck.bad(
                    loc,
                    "",
                    format!("finds no {looks_for} in the scenario: nothing to act on"),
                ),
                None => ck.bad(
                    loc,
                    "select",
                    format!("selects no {what}; check the selector's countries, kinds and ids (every key must match)"),
                ),
            }
            return;
        }
        for edit in &self.edits {
            let notes = apply_edit(s, loc, edit, target, &selected, ck);
            notes.report(loc, edit, selected.len(), ck, warnings);
        }
        // Delay laws are checked once every edit of the change is applied, so that `delay.min`
        // and `delay.max` may move together.
        if target == Target::Channel {
            for &i in &selected {
                if let Err(msg) = s.channels[i].delay.check() {
                    ck.bad(
                        loc,
                        "",
                        format!("leaves channel \"{}\" with an invalid delay: {msg}", s.channels[i].id),
                    );
                }
            }
        }
    }
}

/// Counts of what an edit did, for one warning per edit instead of one per channel.
#[derive(Default)]
struct Notes {
    clamped: usize,
    example: Option<(String, f64, f64)>,
    skipped: usize,
}

/// Applies one edit to the selected channels or authorities; problems (a result at the open
/// end of a range) go to `ck`.
fn apply_edit(s: &mut Scenario, loc: &str, edit: &Edit, target: Target, selected: &[usize], ck: &mut Checker) -> Notes {
    let mut notes = Notes::default();
    for &i in selected {
        let (id, old) = match target {
            Target::Channel => (&s.channels[i].id, channel_value(&s.channels[i], edit.param)),
            Target::Authority => (
                &s.authorities[i].id,
                Some(authority_value(&s.authorities[i], edit.param)),
            ),
        };
        let id = id.clone();
        if edit.param == Param::Delay {
            let c = &mut s.channels[i];
            let (scaled, clamped) = scale_delay(c.delay, edit.value);
            c.delay = scaled;
            if let Some(raw) = clamped {
                notes.clamped += 1;
                notes.example.get_or_insert((id, raw, MAX_DELAY_DAYS));
            }
            continue;
        }
        let Some(old) = old else {
            notes.skipped += 1;
            continue;
        };
        let raw = edit.op.combine(old, edit.value);
        let (lo, hi, open) = edit.param.range();
        let mut new = raw.clamp(lo, hi);
        if edit.param == Param::Retries {
            new = new.round();
        }
        if open && new <= lo {
            ck.bad(
                loc,
                &format!("{}.{}", edit.op.name(), edit.param.name()),
                format!(
                    "makes {} of \"{id}\" {raw}, and it must stay > {lo}{}",
                    edit.param.name(),
                    if edit.param == Param::Weight {
                        "; to cut a channel, use remove_channels"
                    } else {
                        ""
                    }
                ),
            );
            continue;
        }
        if new != raw {
            notes.clamped += 1;
            notes.example.get_or_insert((id.clone(), raw, new));
        }
        match target {
            Target::Channel => set_channel_value(&mut s.channels[i], edit.param, new),
            Target::Authority => set_authority_value(&mut s.authorities[i], edit.param, new),
        }
    }
    notes
}

impl Notes {
    /// One problem when the edit found its delay field in no selected channel; one warning for
    /// the channels it skipped, one for the values it clamped.
    fn report(self, loc: &str, edit: &Edit, selected: usize, ck: &mut Checker, warnings: &mut Vec<Problem>) {
        let key = format!("{}.{}", edit.op.name(), edit.param.name());
        if self.skipped == selected {
            ck.bad(
                loc,
                &key,
                format!(
                    "none of the {} selected channels has a delay law with `{}`; select channels whose delay has \
                     it, or scale the whole delay with `scale = {{ delay = ... }}`",
                    selected,
                    edit.param.name().trim_start_matches("delay.")
                ),
            );
        } else if self.skipped > 0 {
            warnings.push(Problem::new(
                format!("{loc} {key}"),
                format!(
                    "skipped {} of {} selected channels whose delay law has no `{}`",
                    self.skipped,
                    selected,
                    edit.param.name().trim_start_matches("delay.")
                ),
            ));
        }
        if let Some((id, raw, new)) = self.example {
            warnings.push(Problem::new(
                format!("{loc} {key}"),
                format!(
                    "clamped {} value(s) to the valid range ({}), e.g. \"{id}\": {raw} -> {new}",
                    self.clamped,
                    edit.param.describe_range()
                ),
            ));
        }
    }
}

/// Multiplies every time parameter of a delay law by `f`; the first value that had to be clamped
/// to the largest allowed delay, if any. (A law the scaling makes invalid otherwise, such as a
/// lognormal median of 0, is caught by the check at the end of the change.)
fn scale_delay(d: Delay, f: f64) -> (Delay, Option<f64>) {
    let mut clamped = None;
    let mut t = |x: f64| {
        let y = x * f;
        if y > MAX_DELAY_DAYS {
            clamped.get_or_insert(y);
            MAX_DELAY_DAYS
        } else {
            y
        }
    };
    let scaled = match d {
        Delay::Fixed(x) => Delay::Fixed(t(x)),
        Delay::Exponential { mean } => Delay::Exponential { mean: t(mean) },
        Delay::Gamma { mean, shape } => Delay::Gamma { mean: t(mean), shape },
        Delay::LogNormal { median, sigma } => Delay::LogNormal {
            median: t(median),
            sigma,
        },
        Delay::Uniform { min, max } => Delay::Uniform {
            min: t(min),
            max: t(max),
        },
    };
    (scaled, clamped)
}

/// The current value of a channel parameter; `None` for a delay field the law does not have.
fn channel_value(c: &Channel, p: Param) -> Option<f64> {
    Some(match (p, c.delay) {
        (Param::Quality, _) => c.quality,
        (Param::Fidelity, _) => c.fidelity,
        (Param::Weight, _) => c.weight,
        (Param::Retries, _) => f64::from(c.retries),
        (Param::DelayFixed, Delay::Fixed(d)) => d,
        (Param::DelayMean, Delay::Exponential { mean } | Delay::Gamma { mean, .. }) => mean,
        (Param::DelayShape, Delay::Gamma { shape, .. }) => shape,
        (Param::DelayMedian, Delay::LogNormal { median, .. }) => median,
        (Param::DelaySigma, Delay::LogNormal { sigma, .. }) => sigma,
        (Param::DelayMin, Delay::Uniform { min, .. }) => min,
        (Param::DelayMax, Delay::Uniform { max, .. }) => max,
        _ => return None,
    })
}

fn set_channel_value(c: &mut Channel, p: Param, v: f64) {
    match (p, &mut c.delay) {
        (Param::Quality, _) => c.quality = v,
        (Param::Fidelity, _) => c.fidelity = v,
        (Param::Weight, _) => c.weight = v,
        (Param::Retries, _) => c.retries = v as u32,
        (Param::DelayFixed, Delay::Fixed(d)) => *d = v,
        (Param::DelayMean, Delay::Exponential { mean } | Delay::Gamma { mean, .. }) => *mean = v,
        (Param::DelayShape, Delay::Gamma { shape, .. }) => *shape = v,
        (Param::DelayMedian, Delay::LogNormal { median, .. }) => *median = v,
        (Param::DelaySigma, Delay::LogNormal { sigma, .. }) => *sigma = v,
        (Param::DelayMin, Delay::Uniform { min, .. }) => *min = v,
        (Param::DelayMax, Delay::Uniform { max, .. }) => *max = v,
        _ => {}
    }
}

fn authority_value(a: &Authority, p: Param) -> f64 {
    match p {
        Param::Identification => a.identification,
        Param::AssistIncomplete => a.assist_incomplete,
        Param::DropoutPerDay => a.dropout_per_day,
        _ => a.close,
    }
}

fn set_authority_value(a: &mut Authority, p: Param, v: f64) {
    match p {
        Param::Identification => a.identification = v,
        Param::AssistIncomplete => a.assist_incomplete = v,
        Param::DropoutPerDay => a.dropout_per_day = v,
        _ => a.close = v,
    }
}
