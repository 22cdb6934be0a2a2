//! The referral graph: authorities as petgraph nodes, channels as directed edges.
//!
//! Built once from a validated [`Scenario`]; used for structure, never for sampling: which
//! channels leave an authority (in channel order, so routing tables are stable), what a cohort
//! can reach, and the warnings about structural holes (stall points, unreachable goals). The
//! hot loop walks the flat arrays of [`crate::model::network`], compiled from this graph.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeFiltered};

use super::{Cohort, Scenario};
use crate::error::Problem;

/// Authorities and channels as a petgraph `DiGraph`; node `i` is authority `i`, and each edge
/// carries its channel index.
#[derive(Debug, Clone)]
pub struct ReferralGraph {
    graph: DiGraph<usize, usize>,
}

impl ReferralGraph {
    /// Builds the graph of a scenario.
    pub fn new(s: &Scenario) -> ReferralGraph {
        let mut graph = DiGraph::with_capacity(s.authorities().len(), s.channels().len());
        for i in 0..s.authorities().len() {
            graph.add_node(i);
        }
        for (i, c) in s.channels().iter().enumerate() {
            graph.add_edge(NodeIndex::new(c.from), NodeIndex::new(c.to), i);
        }
        ReferralGraph { graph }
    }

    /// Channels leaving `authority`, in channel (file) order.
    pub fn out_channels(&self, authority: usize) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .graph
            .edges(NodeIndex::new(authority))
            .map(|e| *e.weight())
            .collect();
        out.sort_unstable();
        out
    }

    /// Channels leaving `authority` that can carry a case of `cohort`, in channel order.
    pub fn eligible_channels(&self, s: &Scenario, cohort: &Cohort, authority: usize) -> Vec<usize> {
        let mut out = self.out_channels(authority);
        out.retain(|&c| s.is_eligible(&s.channels()[c], cohort));
        out
    }

    /// Authorities a case of `cohort` can reach from the entry points where victims can be
    /// identified, through eligible channels with quality > 0 (entry points included).
    pub fn reachable(&self, s: &Scenario, cohort: &Cohort) -> Vec<bool> {
        let usable = EdgeFiltered::from_fn(&self.graph, |e| {
            let c = &s.channels()[*e.weight()];
            c.quality > 0.0 && s.is_eligible(c, cohort)
        });
        let mut seen = vec![false; s.authorities().len()];
        for &(a, _) in &cohort.entry {
            if s.authorities()[a].identification > 0.0 && !seen[a] {
                let mut bfs = Bfs::new(&usable, NodeIndex::new(a));
                while let Some(n) = bfs.next(&usable) {
                    seen[n.index()] = true;
                }
            }
        }
        seen
    }

    /// Loops a case of `cohort` can enter but never leave: strongly connected sets of reachable
    /// authorities (two or more) that close no case and whose eligible channels all stay in the
    /// set and always deliver (quality 1 and no chance of dropout during the delay). The exact
    /// solver finds the same sets among its states and makes them `stalled`.
    pub fn traps(&self, s: &Scenario, cohort: &Cohort, reach: &[bool]) -> Vec<Vec<usize>> {
        let certain = EdgeFiltered::from_fn(&self.graph, |e| {
            let c = &s.channels()[*e.weight()];
            reach[c.from] && s.is_eligible(c, cohort)
        });
        let sccs = petgraph::algo::tarjan_scc(&certain);
        let mut component = vec![0; s.authorities().len()];
        for (k, scc) in sccs.iter().enumerate() {
            for n in scc {
                component[n.index()] = k;
            }
        }
        let mut out = Vec::new();
        for (k, scc) in sccs.iter().enumerate() {
            if scc.len() < 2 {
                continue; // a single authority with no way out is a structural hole, warned above
            }
            let members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
            let closed = members.iter().all(|&a| {
                let auth = &s.authorities()[a];
                auth.close == 0.0
                    && self.eligible_channels(s, cohort, a).iter().all(|&c| {
                        let ch = &s.channels()[c];
                        ch.quality == 1.0 && component[ch.to] == k && ch.delay.laplace(auth.dropout_per_day) == 1.0
                    })
            });
            if closed && members.iter().all(|&a| reach[a]) {
                let mut members = members;
                members.sort_unstable();
                out.push(members);
            }
        }
        out.sort();
        out
    }

    /// Structural warnings for every cohort: entry points that identify nobody, authorities a
    /// case can reach but not leave (it stalls there), and goal milestones no reachable
    /// authority provides.
    pub fn warnings(&self, s: &Scenario) -> Vec<Problem> {
        let mut out = Vec::new();
        for cohort in s.cohorts() {
            let loc = format!("[[cohort]] \"{}\"", cohort.name);
            for &(a, _) in &cohort.entry {
                let auth = &s.authorities()[a];
                if auth.identification == 0.0 {
                    out.push(Problem::new(
                        &loc,
                        format!(
                            "nobody is identified at entry point \"{}\" (identification = 0)",
                            auth.id
                        ),
                    ));
                }
            }
            let reach = self.reachable(s, cohort);
            for (a, auth) in s.authorities().iter().enumerate() {
                if reach[a] && auth.close == 0.0 && self.eligible_channels(s, cohort, a).is_empty() {
                    out.push(Problem::new(
                        &loc,
                        format!(
                            "cases can stall at \"{}\": it has no channel this cohort may use and close = 0 \
                             (a structural hole; add a channel or a close weight)",
                            auth.id
                        ),
                    ));
                }
            }
            for trap in self.traps(s, cohort, &reach) {
                let ids: Vec<&str> = trap.iter().map(|&a| s.authorities()[a].id.as_str()).collect();
                out.push(Problem::new(
                    &loc,
                    format!(
                        "cases that reach {} circle there forever: every channel this cohort may use stays \
                         in the loop and cannot fail (quality 1, no dropout on the way) and none of them \
                         closes cases, so they stall at max_hops (add a close weight, a channel out of the \
                         loop, or a quality below 1)",
                        ids.join(", ")
                    ),
                ));
            }
            let goals = cohort
                .goals
                .iter()
                .fold(crate::vocab::Services::NONE, |u, g| u.union(*g));
            for service in goals.iter() {
                let provided = s
                    .authorities()
                    .iter()
                    .enumerate()
                    .any(|(a, auth)| reach[a] && auth.provides.contains(service));
                if !provided {
                    out.push(Problem::new(
                        &loc,
                        format!(
                            "goal milestone \"{}\" is unreachable: no authority this cohort can reach provides it, \
                             so victims whose goal includes it never complete",
                            service.name()
                        ),
                    ));
                }
            }
        }
        out
    }
}
