//! The vocabulary of edits: how a value changes ([`Op`]: set, scale, add, at_least, at_most),
//! which numeric parameter of a channel or an authority it acts on ([`Param`], with its valid
//! range), and one checked `op = { parameter = value }` ([`Edit`]).
//!
//! Interventions, toolbox practices and sweep axes all speak it, and so will `[[uncertain]]`
//! factors (`parameter`, `op = set|scale`, `range`): a value written in a file is checked here,
//! once, with the same messages everywhere. What the edit applies to is [`super::selector`]'s
//! business, applying it [`super::apply`]'s.

use std::collections::HashSet;

use crate::scenario::MAX_RETRIES;
use crate::scenario::check::Checker;
use crate::scenario::raw::RawChange;
use crate::vocab::delay::{MAX_DELAY_DAYS, MAX_SIGMA, MIN_SHAPE};

/// How a change combines the old value with the given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `new = value`.
    Set,
    /// `new = old * value`.
    Scale,
    /// `new = old + value`.
    Add,
    /// `new = max(old, value)`: raise to at least `value`, never lower.
    AtLeast,
    /// `new = min(old, value)`: lower to at most `value`, never raise.
    AtMost,
}

impl Op {
    /// All operations, as written in files.
    pub const ALL: [(&'static str, Op); 5] = [
        ("set", Op::Set),
        ("scale", Op::Scale),
        ("add", Op::Add),
        ("at_least", Op::AtLeast),
        ("at_most", Op::AtMost),
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        Op::ALL.iter().find(|(_, o)| *o == self).map_or("set", |(n, _)| n)
    }

    /// The new value of a parameter whose value was `old`.
    pub fn combine(self, old: f64, v: f64) -> f64 {
        match self {
            Op::Set => v,
            Op::Scale => old * v,
            Op::Add => old + v,
            Op::AtLeast => old.max(v),
            Op::AtMost => old.min(v),
        }
    }
}

/// A numeric parameter a change can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Param {
    Quality,
    Fidelity,
    Weight,
    Retries,
    /// The whole delay law's time scale (only `scale`).
    Delay,
    DelayFixed,
    DelayMean,
    DelayShape,
    DelayMedian,
    DelaySigma,
    DelayMin,
    DelayMax,
    Identification,
    AssistIncomplete,
    DropoutPerDay,
    Close,
}

/// What a parameter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A channel parameter.
    Channel,
    /// An authority parameter.
    Authority,
}

impl Param {
    /// Every parameter with its name in files.
    pub const ALL: [(&'static str, Param); 16] = [
        ("quality", Param::Quality),
        ("fidelity", Param::Fidelity),
        ("weight", Param::Weight),
        ("retries", Param::Retries),
        ("delay", Param::Delay),
        ("delay.fixed", Param::DelayFixed),
        ("delay.mean", Param::DelayMean),
        ("delay.shape", Param::DelayShape),
        ("delay.median", Param::DelayMedian),
        ("delay.sigma", Param::DelaySigma),
        ("delay.min", Param::DelayMin),
        ("delay.max", Param::DelayMax),
        ("identification", Param::Identification),
        ("assist_incomplete", Param::AssistIncomplete),
        ("dropout_per_day", Param::DropoutPerDay),
        ("close", Param::Close),
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        Param::ALL.iter().find(|(_, p)| *p == self).map_or("?", |(n, _)| n)
    }

    /// The parameter called `name`, if any.
    pub fn parse(name: &str) -> Option<Param> {
        Param::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// The parameter called `name`, or the message listing the names allowed.
    pub fn parse_or_explain(name: &str) -> Result<Param, String> {
        Param::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Param::ALL.iter().map(|(n, _)| *n).collect();
            format!("unknown parameter \"{name}\"; use one of: {}", names.join(", "))
        })
    }

    /// Whether the parameter belongs to channels or authorities.
    pub fn target(self) -> Target {
        match self {
            Param::Identification | Param::AssistIncomplete | Param::DropoutPerDay | Param::Close => Target::Authority,
            _ => Target::Channel,
        }
    }

    /// The valid range `[lo, hi]`, and whether `lo` itself is excluded.
    pub fn range(self) -> (f64, f64, bool) {
        match self {
            Param::Quality | Param::Fidelity | Param::Identification | Param::AssistIncomplete => (0.0, 1.0, false),
            Param::Weight => (0.0, f64::MAX, true),
            Param::Retries => (0.0, f64::from(MAX_RETRIES), false),
            Param::DropoutPerDay | Param::Close => (0.0, f64::MAX, false),
            Param::Delay | Param::DelayFixed | Param::DelayMean | Param::DelayMin | Param::DelayMax => {
                (0.0, MAX_DELAY_DAYS, false)
            }
            Param::DelayMedian => (0.0, MAX_DELAY_DAYS, true),
            Param::DelaySigma => (0.0, MAX_SIGMA, false),
            Param::DelayShape => (MIN_SHAPE, 1e6, false),
        }
    }

    /// The valid range, in words, for messages.
    pub fn describe_range(self) -> String {
        let (lo, hi, open) = self.range();
        match (open, hi == f64::MAX) {
            (true, true) => format!("a finite number > {lo}"),
            (false, true) => format!("a finite number >= {lo}"),
            (true, false) => format!("a number > {lo} and at most {hi}"),
            (false, false) if self == Param::Retries => format!("a whole number from 0 to {MAX_RETRIES}"),
            (false, false) => format!("a number from {lo} to {hi}"),
        }
    }

    /// Whether `v` is a valid value of the parameter.
    pub fn in_range(self, v: f64) -> bool {
        let (lo, hi, open) = self.range();
        v.is_finite()
            && (if open { v > lo } else { v >= lo })
            && v <= hi
            && (self != Param::Retries || v.fract() == 0.0)
    }
}

/// One operation of a change: `op = { param = value }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edit {
    /// How the value is combined.
    pub op: Op,
    /// Which parameter.
    pub param: Param,
    /// The value given.
    pub value: f64,
}

/// Reads the edits of one `[[intervention.change]]` (or of a sweep axis); `None` when any is
/// invalid (the problems are in `ck`).
pub(crate) fn edits_of(ck: &mut Checker, loc: &str, raw: &RawChange) -> Option<Vec<Edit>> {
    let mut edits = Vec::new();
    let mut ok = true;
    for (op_name, op) in Op::ALL {
        let table = match op {
            Op::Set => &raw.set,
            Op::Scale => &raw.scale,
            Op::Add => &raw.add,
            Op::AtLeast => &raw.at_least,
            Op::AtMost => &raw.at_most,
        };
        for (key, value) in table {
            let value = match value {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    ck.bad(
                        loc,
                        &format!("{op_name}.{key}"),
                        format!("is {}; give a number", other.type_str()),
                    );
                    ok = false;
                    continue;
                }
            };
            match edit(&format!("{op_name}.{key}"), op, key, value) {
                Ok(e) => edits.push(e),
                Err((at, msg)) => {
                    ck.bad(loc, &at, msg);
                    ok = false;
                }
            }
        }
    }
    if edits.is_empty() && ok {
        ck.bad(
            loc,
            "",
            "changes nothing; add a table such as `set = { quality = 0.9 }` (operations: set, scale, add, \
             at_least, at_most)",
        );
        ok = false;
    }
    let targets: HashSet<bool> = edits.iter().map(|e| e.param.target() == Target::Channel).collect();
    if targets.len() > 1 {
        ck.bad(
            loc,
            "",
            "mixes channel and authority parameters; a change selects either channels or authorities, so write \
             two changes",
        );
        ok = false;
    }
    ok.then_some(edits)
}

/// Checks one `op.param = value` as written, `param` by name; the error is `(key, message)`.
pub(crate) fn edit(key: &str, op: Op, param: &str, value: f64) -> Result<Edit, (String, String)> {
    let p = Param::parse_or_explain(param).map_err(|msg| (key.to_owned(), msg))?;
    Edit::new(op, p, value).map_err(|msg| (key.to_owned(), msg))
}

impl Edit {
    /// Checks `op = { param = value }` as written: the whole delay law can only be scaled, a
    /// value set must be in the parameter's range, a factor must be finite and >= 0 (> 0 where
    /// 0 would be invalid), an addend finite. The error is the message.
    pub fn new(op: Op, param: Param, value: f64) -> Result<Edit, String> {
        let p = param;
        if p == Param::Delay && op != Op::Scale {
            return Err(
                "the whole delay law can only be scaled (`scale = { delay = 0.5 }`); to change one parameter use \
                 delay.mean, delay.median, delay.sigma, delay.shape, delay.fixed, delay.min or delay.max"
                    .to_owned(),
            );
        }
        let ok = match op {
            Op::Set | Op::AtLeast | Op::AtMost => p.in_range(value),
            Op::Scale => {
                value.is_finite()
                    && value >= 0.0
                    && (value > 0.0 || !matches!(p, Param::Weight | Param::Delay | Param::DelayMedian))
            }
            Op::Add => value.is_finite(),
        };
        if !ok {
            let allowed = match op {
                Op::Set | Op::AtLeast | Op::AtMost => p.describe_range(),
                Op::Scale if matches!(p, Param::Weight | Param::Delay | Param::DelayMedian) => {
                    "a finite factor > 0".to_owned()
                }
                Op::Scale => "a finite factor >= 0".to_owned(),
                Op::Add => "a finite number".to_owned(),
            };
            return Err(format!("{value} is out of range for {}; use {allowed}", p.name()));
        }
        Ok(Edit { op, param: p, value })
    }
}
