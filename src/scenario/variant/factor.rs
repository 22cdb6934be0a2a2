//! Uncertain factors (`[[uncertain]]`): parameters nobody knows for sure, each a range of values
//! that a selected class of channels or authorities takes together, and the sampled **worlds**
//! they make.
//!
//! A factor is stated in the vocabulary of [`crate::scenario::edit`], like a sweep axis: a
//! selector, a parameter, an operation (`set`, the default, or `scale`) and a range `[lo, hi]`
//! with a uniform or triangular distribution. One draw of a factor applies to everything its
//! selector picks. A world ([`Scenario::world`]) is the baseline with every factor at its drawn
//! value, and every intervention made again on top of it (the factors describe the world, the
//! interventions the policy), so that a practice's effect is evaluated in every sampled world.
//! Sweeps are not part of a world. Results of a factor outside its parameter's range are clamped
//! and counted, never silent (as for interventions).
//!
//! Checked when the scenario is read: names unique and not empty, the parameter and operation
//! known, `lo < hi`, both ends valid values of the parameter, a triangular mode inside the range,
//! and the selector matching something in the baseline.

use super::intervention;
use crate::error::{Error, Problem, Result};
use crate::scenario::Scenario;
use crate::scenario::check::{Checker, read_named};
use crate::scenario::edit::apply::Change;
use crate::scenario::edit::change::{Edit, Op, Param};
use crate::scenario::edit::selector::Selector;
use crate::scenario::raw::{RawDist, RawUncertain};

/// How a factor's value is drawn on its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Every value of the range equally likely.
    Uniform,
    /// Triangular with the given mode.
    Triangular {
        /// The most likely value.
        mode: f64,
    },
}

/// A validated uncertain factor; see the module docs.
#[derive(Debug, Clone)]
pub struct Factor {
    /// Unique name (a column value in the outputs).
    pub name: String,
    /// The parameter it sets or scales.
    pub param: Param,
    /// `set` or `scale`.
    pub op: Op,
    /// Smallest value.
    pub lo: f64,
    /// Largest value.
    pub hi: f64,
    /// Distribution on `[lo, hi]`.
    pub dist: Dist,
    /// Where the range comes from (free text, copied to the outputs).
    pub basis: String,
    select: Selector,
}

impl Factor {
    /// The value at quantile `u` in [0, 1] of the factor's distribution.
    pub fn value(&self, u: f64) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        let u = u.clamp(0.0, 1.0);
        match self.dist {
            Dist::Uniform => lo + u * (hi - lo),
            Dist::Triangular { mode } => crate::vocab::latin::triangular_inverse(u, lo, mode, hi),
        }
    }

    /// The factor at `value`, as a one-edit change.
    fn change(&self, value: f64) -> Change {
        let edit = Edit {
            op: self.op,
            param: self.param,
            value,
        };
        Change::new(self.select.clone(), vec![edit], None)
    }
}

/// Reads and checks the `[[uncertain]]` tables of `s`'s file against its baseline.
pub(crate) fn read_factors(s: &Scenario, raw: &[RawUncertain]) -> Result<Vec<Factor>> {
    read_named(
        &s.source.path,
        ("uncertain", "factor"),
        raw,
        |r| &r.name,
        |ck, loc, r| read_one(ck, loc, r, s),
    )
}

fn read_one(ck: &mut Checker, loc: &str, r: &RawUncertain, s: &Scenario) -> Option<Factor> {
    let before = ck.problems.len();
    let op = match &r.op {
        None => Some(Op::Set),
        Some(o) => ck.one_of(loc, "op", o, &[("set", Op::Set), ("scale", Op::Scale)]),
    };
    let param = Param::parse_or_explain(&r.parameter)
        .map_err(|msg| ck.bad(loc, "parameter", msg))
        .ok();
    let range = match *r.range.as_slice() {
        [lo, hi] if lo.is_finite() && hi.is_finite() && lo < hi => Some((lo, hi)),
        [lo, hi] if lo.is_finite() && hi.is_finite() => {
            ck.bad(
                loc,
                "range",
                format!("[{lo}, {hi}] is empty or reversed; write [lowest, highest] with lowest < highest"),
            );
            None
        }
        _ => {
            ck.bad(
                loc,
                "range",
                "must be two finite numbers, [lowest, highest], e.g. range = [0.5, 0.95]",
            );
            None
        }
    };
    let (op, param, (lo, hi)) = (op?, param?, range?);
    for (end, v) in [("lowest", lo), ("highest", hi)] {
        if let Err(msg) = Edit::new(op, param, v) {
            ck.bad(loc, "range", format!("its {end} value {v}: {msg}"));
        }
    }
    let dist = match r.dist {
        None => Dist::Uniform,
        Some(RawDist::Triangular { mode }) if (lo..=hi).contains(&mode) => Dist::Triangular { mode },
        Some(RawDist::Triangular { mode }) => {
            ck.bad(
                loc,
                "dist.triangular.mode",
                format!("{mode} is outside the range [{lo}, {hi}]; the mode must lie in it"),
            );
            Dist::Uniform
        }
    };
    let select = Selector::parse(
        ck,
        loc,
        &r.select.clone().unwrap_or_default(),
        param.target(),
        &s.countries,
    )?;
    if ck.problems.len() > before {
        return None;
    }
    let factor = Factor {
        name: r.name.trim().to_owned(),
        param,
        op,
        lo,
        hi,
        dist,
        basis: r.basis.clone().unwrap_or_default(),
        select,
    };
    // Applied once to the baseline: a selector matching nothing is an error here, not in the
    // middle of a run.
    let mut probe = s.network_only();
    factor.change(lo).apply(&mut probe, loc, ck, &mut Vec::new());
    (ck.problems.len() == before).then_some(factor)
}

impl Scenario {
    /// The uncertain factors, in file order.
    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    /// The world where factor `i` takes `values[i]`: the baseline with every factor applied,
    /// then every intervention made again on top of it (sweep points are left out). Returns the
    /// world (its variants are the interventions) and how many values were clamped to their
    /// parameter's range.
    ///
    /// # Errors
    /// Only if an intervention cannot be made in this world (e.g. a practice whose selection
    /// became empty); the error names the intervention.
    pub fn world(&self, values: &[f64]) -> Result<(Scenario, usize)> {
        debug_assert_eq!(values.len(), self.factors.len());
        let mut ck = Checker::new();
        let mut notes: Vec<Problem> = Vec::new();
        let mut base = self.network_only();
        for (f, &v) in self.factors.iter().zip(values) {
            let loc = format!("[[uncertain]] \"{}\" = {v}", f.name);
            f.change(v).apply(&mut base, &loc, &mut ck, &mut notes);
        }
        base.warnings = crate::scenario::graph::ReferralGraph::new(&base).warnings(&base);
        for v in self.variants.iter() {
            if let Some(plan) = &v.plan {
                let loc = format!("[[intervention]] \"{}\"", v.name);
                let scenario = intervention::apply(&base, &loc, plan, &mut ck, &mut notes);
                base.variants.push(crate::scenario::Variant {
                    name: v.name.clone(),
                    kind: v.kind.clone(),
                    description: v.description.clone(),
                    scenario,
                    plan: None,
                });
            }
        }
        if !ck.problems.is_empty() {
            return Err(Error::Invalid {
                path: self.source.path.clone(),
                problems: ck.problems,
            });
        }
        let clamped = notes.len();
        Ok((base, clamped))
    }
}
