//! The problem collector of validation: [`Checker`] gathers every located [`Problem`] of a file
//! (validation goes on after a problem, so a user fixes a whole file in one pass), with the value
//! checks every table shares (probabilities, non-negative numbers, enumerated names).
//!
//! It knows no table: what is checked where is `validate`'s (baseline tables), `records`' (one
//! authority or channel record) and the variant modules' business.

use crate::error::Problem;

/// Collects the problems of one file, each located by table, id and key.
pub(crate) struct Checker {
    /// Every problem found so far, in the order found.
    pub problems: Vec<Problem>,
}

impl Checker {
    /// An empty collector.
    pub fn new() -> Checker {
        Checker { problems: Vec::new() }
    }

    /// Records a problem at `loc` (and `key`, when not empty).
    pub fn bad(&mut self, loc: &str, key: &str, msg: impl Into<String>) {
        let at = if key.is_empty() {
            loc.to_owned()
        } else {
            format!("{loc} {key}")
        };
        self.problems.push(Problem::new(at, msg));
    }

    /// A probability in [0, 1], or `default` when absent.
    pub fn probability(&mut self, loc: &str, key: &str, v: Option<f64>, default: f64) -> f64 {
        match v {
            None => default,
            Some(p) if (0.0..=1.0).contains(&p) => p,
            Some(p) => {
                self.bad(loc, key, format!("{p} is not a probability; use a number from 0 to 1"));
                default
            }
        }
    }

    /// A finite number >= 0, or `default` when absent.
    pub fn non_negative(&mut self, loc: &str, key: &str, v: Option<f64>, default: f64, unit: &str) -> f64 {
        match v {
            None => default,
            Some(x) if x.is_finite() && x >= 0.0 => x,
            Some(x) => {
                self.bad(loc, key, format!("{x} is not allowed; use a finite {unit} >= 0"));
                default
            }
        }
    }

    /// The value named `v` among `options`, or a problem listing the names allowed.
    pub fn one_of<T: Copy>(&mut self, loc: &str, key: &str, v: &str, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(n, _)| *n == v).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            self.bad(
                loc,
                key,
                format!("unknown value \"{v}\"; use one of: {}", names.join(", ")),
            );
        }
        found
    }
}

/// Reads an array of named tables (`[[uncertain]]`, `[[observed]]`): every name non-empty and
/// unique (a `what` is named `name`), each table read by `read_one` at its location
/// (`[[table]] #i "name"`); every problem of every table collected into one error naming the
/// scenario file.
pub(crate) fn read_named<R, T>(
    path: &std::path::Path,
    (table, what): (&str, &str),
    raw: &[R],
    name: impl Fn(&R) -> &str,
    mut read_one: impl FnMut(&mut Checker, &str, &R) -> Option<T>,
) -> crate::Result<Vec<T>> {
    let mut ck = Checker::new();
    let mut names = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let n = name(r);
        let loc = format!("[[{table}]] #{} \"{n}\"", i + 1);
        if n.trim().is_empty() {
            ck.bad(&loc, "name", format!("is empty; give every {what} a name"));
        } else if !names.insert(n.trim()) {
            ck.bad(
                &loc,
                "name",
                format!("\"{n}\" names two {what}s; {what} names must be unique"),
            );
        }
        let before = ck.problems.len();
        let one = read_one(&mut ck, &loc, r);
        if let Some(t) = one.filter(|_| ck.problems.len() == before) {
            out.push(t);
        }
    }
    if ck.problems.is_empty() {
        Ok(out)
    } else {
        Err(crate::Error::Invalid {
            path: path.to_path_buf(),
            problems: ck.problems,
        })
    }
}
