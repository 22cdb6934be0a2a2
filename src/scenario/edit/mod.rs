//! Edits of a network: the one vocabulary that interventions, toolbox practices and sweep axes
//! (and, next, `[[uncertain]]` factors) use to say "this parameter of these channels or
//! authorities becomes that".
//!
//! Dependencies run one way: [`change`] (operations, parameters and their ranges, one checked
//! edit) <- [`selector`] (which channels or authorities, parsed once and matched on indices) <-
//! [`apply`] (a selector and its edits applied to a network, with clamping notes). None of them
//! knows interventions, practices or sweeps ([`super::variant`]), which build changes from
//! their own tables.
//!
//! An uncertain factor (`select`, `parameter`, `op = set|scale`, `range`) reads its parts with
//! [`selector::Selector`] and [`change::Param`], checks each drawn value with
//! [`change::Edit::new`], and applies it as a one-edit change, exactly as a sweep axis does.

pub mod apply;
pub mod change;
pub mod selector;
