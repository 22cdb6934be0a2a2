//! Selectors: which channels or authorities an edit acts on (`select = { ... }`).
//!
//! A [`Selector`] is parsed once from its raw serde form, against the scenario's countries:
//! country codes become country indices and kind names [`AuthorityKind`]s, a key that makes no
//! sense for the target (a channel key on an authority parameter) is rejected, and every problem
//! is located at the change that wrote it. Authority and channel **ids** are looked up only when
//! the selector is applied (`Selector::select`), because an intervention may add or remove
//! them first; matching then compares indices and enums, never strings.
//!
//! Every given key must match; a list matches when any of its items does; `{}` selects every
//! channel (or authority). What is done to the selection is [`super::apply`]'s business.

use super::change::Target;
use crate::scenario::check::Checker;
use crate::scenario::raw::{OneOrMany, RawSelector};
use crate::scenario::records::kind_names;
use crate::scenario::{AuthorityKind, Country, Scenario};

/// A validated selector; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    target: Target,
    /// `id`: channel or authority ids (by target), looked up when applied.
    ids: Option<Vec<String>>,
    /// `from`, `to`: authority ids of a channel's ends, looked up when applied.
    from: Option<Vec<String>>,
    to: Option<Vec<String>>,
    /// Country indices.
    from_country: Option<Vec<usize>>,
    to_country: Option<Vec<usize>>,
    between: Option<[usize; 2]>,
    country: Option<Vec<usize>>,
    kind: Option<Vec<AuthorityKind>>,
    from_kind: Option<Vec<AuthorityKind>>,
    to_kind: Option<Vec<AuthorityKind>>,
    cross_border: Option<bool>,
    formal: Option<bool>,
    movement: Option<bool>,
    language_differs: Option<bool>,
}

/// The ids of a selector looked up in one network: authority and channel indices.
struct Resolved {
    ids: Option<Vec<usize>>,
    from: Option<Vec<usize>>,
    to: Option<Vec<usize>>,
}

/// Whether `v` is in the list, or there is no list.
fn any<T: PartialEq>(list: &Option<Vec<T>>, v: T) -> bool {
    list.as_ref().is_none_or(|l| l.contains(&v))
}

/// Whether `a` or `b` is in the list, or there is no list.
fn either<T: PartialEq>(list: &Option<Vec<T>>, a: T, b: T) -> bool {
    list.as_ref().is_none_or(|l| l.contains(&a) || l.contains(&b))
}

impl Selector {
    /// Selects every channel or every authority.
    pub(crate) fn all(target: Target) -> Selector {
        Selector {
            target,
            ids: None,
            from: None,
            to: None,
            from_country: None,
            to_country: None,
            between: None,
            country: None,
            kind: None,
            from_kind: None,
            to_kind: None,
            cross_border: None,
            formal: None,
            movement: None,
            language_differs: None,
        }
    }

    /// Only channels between countries `a` and `b` (indices), either way.
    pub(crate) fn between(self, a: usize, b: usize) -> Selector {
        Selector {
            between: Some([a, b]),
            ..self
        }
    }

    /// Only channels with an end in (authorities in) one of these countries (indices).
    pub(crate) fn in_countries(self, countries: Vec<usize>) -> Selector {
        Selector {
            country: Some(countries),
            ..self
        }
    }

    /// Only channels with an end of (authorities of) one of these kinds.
    pub(crate) fn of_kinds(self, kinds: Vec<AuthorityKind>) -> Selector {
        Selector {
            kind: Some(kinds),
            ..self
        }
    }

    /// Only channels with both ends in these countries (indices).
    pub(crate) fn within(self, countries: Vec<usize>) -> Selector {
        Selector {
            from_country: Some(countries.clone()),
            to_country: Some(countries),
            ..self
        }
    }

    /// Only channels from an authority of `kind` to an authority of `kind`.
    pub(crate) fn linking(self, kind: AuthorityKind) -> Selector {
        Selector {
            from_kind: Some(vec![kind]),
            to_kind: Some(vec![kind]),
            ..self
        }
    }

    /// Only channels that cross a border (`true`) or stay in one country (`false`).
    pub(crate) fn crossing_border(self, cross_border: bool) -> Selector {
        Selector {
            cross_border: Some(cross_border),
            ..self
        }
    }

    /// Only channels that are movements (`true`) or referrals (`false`).
    pub(crate) fn movements(self, movement: bool) -> Selector {
        Selector {
            movement: Some(movement),
            ..self
        }
    }

    /// Whether the selector selects channels or authorities.
    pub fn target(&self) -> Target {
        self.target
    }

    /// Parses `raw` for an edit of `target` parameters: every country code and kind must exist,
    /// and only keys that make sense for the target are given. `None` when it has problems
    /// (they are in `ck`, at `loc select.<key>`).
    pub(crate) fn parse(
        ck: &mut Checker,
        loc: &str,
        raw: &RawSelector,
        target: Target,
        countries: &[Country],
    ) -> Option<Selector> {
        let before = ck.problems.len();
        if target == Target::Authority {
            let channel_only: [(&str, bool); 11] = [
                ("from", raw.from.is_some()),
                ("to", raw.to.is_some()),
                ("from_country", raw.from_country.is_some()),
                ("to_country", raw.to_country.is_some()),
                ("between", raw.between.is_some()),
                ("from_kind", raw.from_kind.is_some()),
                ("to_kind", raw.to_kind.is_some()),
                ("cross_border", raw.cross_border.is_some()),
                ("formal", raw.formal.is_some()),
                ("movement", raw.movement.is_some()),
                ("language_differs", raw.language_differs.is_some()),
            ];
            for (key, given) in channel_only {
                if given {
                    ck.bad(
                        loc,
                        &format!("select.{key}"),
                        "selects channels, but the change acts on authority parameters; select authorities by id, \
                         country or kind",
                    );
                }
            }
        }
        let codes = |ck: &mut Checker, key: &str, codes: &[String]| -> Vec<usize> {
            let mut out = Vec::new();
            for c in codes {
                match countries.iter().position(|x| &x.code == c) {
                    Some(i) => out.push(i),
                    None => ck.bad(
                        loc,
                        &format!("select.{key}"),
                        format!("\"{c}\" is not a [[country]] code of this scenario"),
                    ),
                }
            }
            out
        };
        let list = |v: &Option<OneOrMany>| v.as_ref().map(|v| v.items().to_vec());
        let from_country = raw.from_country.as_ref().map(|v| codes(ck, "from_country", v.items()));
        let to_country = raw.to_country.as_ref().map(|v| codes(ck, "to_country", v.items()));
        let country = raw.country.as_ref().map(|v| codes(ck, "country", v.items()));
        let mut between = None;
        if let Some(b) = &raw.between {
            if b.len() != 2 || b[0] == b[1] {
                ck.bad(
                    loc,
                    "select.between",
                    "must name two different countries, e.g. between = [\"MLI\", \"CIV\"]",
                );
            }
            if let [x, y] = codes(ck, "between", b)[..] {
                between = Some([x, y]);
            }
        }
        let kinds = kind_names();
        let mut kind_list = |key: &str, v: &Option<OneOrMany>| {
            v.as_ref().map(|v| {
                v.items()
                    .iter()
                    .filter_map(|k| ck.one_of(loc, &format!("select.{key}"), k, &kinds))
                    .collect::<Vec<_>>()
            })
        };
        let kind = kind_list("kind", &raw.kind);
        let from_kind = kind_list("from_kind", &raw.from_kind);
        let to_kind = kind_list("to_kind", &raw.to_kind);
        (ck.problems.len() == before).then(|| Selector {
            target,
            ids: list(&raw.id),
            from: list(&raw.from),
            to: list(&raw.to),
            from_country,
            to_country,
            between,
            country,
            kind,
            from_kind,
            to_kind,
            cross_border: raw.cross_border,
            formal: raw.formal,
            movement: raw.movement,
            language_differs: raw.language_differs,
        })
    }

    /// The indices of the channels (or authorities, by target) of `s` that the selector
    /// selects, in scenario order. Ids are looked up here, in the network as it is now (after an
    /// intervention's additions and removals); `None` when one is unknown (the problems are in
    /// `ck`).
    pub(crate) fn select(&self, ck: &mut Checker, loc: &str, s: &Scenario) -> Option<Vec<usize>> {
        let before = ck.problems.len();
        let authorities = |ck: &mut Checker, key: &str, ids: &Option<Vec<String>>| {
            ids.as_ref().map(|ids| {
                let mut out = Vec::new();
                for id in ids {
                    let found: Vec<usize> = (0..s.authorities.len())
                        .filter(|&a| &s.authorities[a].id == id)
                        .collect();
                    if found.is_empty() {
                        ck.bad(
                            loc,
                            &format!("select.{key}"),
                            format!("\"{id}\" is not an authority id of this scenario"),
                        );
                    }
                    out.extend(found);
                }
                out
            })
        };
        let from = authorities(ck, "from", &self.from);
        let to = authorities(ck, "to", &self.to);
        let ids = self.ids.as_ref().map(|ids| {
            let mut out = Vec::new();
            for id in ids {
                let found: Vec<usize> = match self.target {
                    Target::Authority => (0..s.authorities.len()).filter(|&a| &s.authorities[a].id == id).collect(),
                    Target::Channel => (0..s.channels.len()).filter(|&e| &s.channels[e].id == id).collect(),
                };
                if found.is_empty() {
                    let what = if self.target == Target::Authority {
                        "an authority"
                    } else {
                        "a channel"
                    };
                    ck.bad(
                        loc,
                        "select.id",
                        format!(
                            "\"{id}\" is not {what} id of this scenario (after the intervention's additions and removals)"
                        ),
                    );
                }
                out.extend(found);
            }
            out
        });
        if ck.problems.len() > before {
            return None;
        }
        let r = Resolved { ids, from, to };
        Some(match self.target {
            Target::Channel => (0..s.channels.len())
                .filter(|&e| self.channel_matches(s, &r, e))
                .collect(),
            Target::Authority => (0..s.authorities.len())
                .filter(|&a| self.authority_matches(s, &r, a))
                .collect(),
        })
    }

    /// Whether channel `e` matches every key.
    fn channel_matches(&self, s: &Scenario, r: &Resolved, e: usize) -> bool {
        let c = &s.channels[e];
        let (fa, ta) = (&s.authorities[c.from], &s.authorities[c.to]);
        let (fc, tc) = (fa.country, ta.country);
        any(&r.ids, e)
            && any(&r.from, c.from)
            && any(&r.to, c.to)
            && any(&self.from_country, fc)
            && any(&self.to_country, tc)
            && self
                .between
                .is_none_or(|[a, b]| (fc == a && tc == b) || (fc == b && tc == a))
            && either(&self.country, fc, tc)
            && either(&self.kind, fa.kind, ta.kind)
            && any(&self.from_kind, fa.kind)
            && any(&self.to_kind, ta.kind)
            && self.cross_border.is_none_or(|x| x == c.cross_border)
            && self.formal.is_none_or(|x| x == c.formal)
            && self.movement.is_none_or(|x| x == c.movement)
            && self.language_differs.is_none_or(|x| {
                let (fl, tl) = (&s.countries[fc].languages, &s.countries[tc].languages);
                x != fl.iter().any(|l| tl.contains(l))
            })
    }

    /// Whether authority `a` matches every key (only `id`, `country` and `kind` apply).
    fn authority_matches(&self, s: &Scenario, r: &Resolved, a: usize) -> bool {
        let auth = &s.authorities[a];
        any(&r.ids, a) && any(&self.country, auth.country) && any(&self.kind, auth.kind)
    }
}
