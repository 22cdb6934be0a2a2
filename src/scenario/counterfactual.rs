//! Counterfactual networks of a scenario: perfect communication everywhere (the referral gap's
//! second arm) or on one channel (the channel ranking's "if perfect").
//!
//! **Movements stay as they are.** A channel with `movement = true` is the victim's own journey
//! (a transit, a sea crossing, a secondary movement), not a referral between authorities:
//! better communication does not make it succeed more often, so these counterfactuals leave its
//! quality and fidelity untouched (docs/MODEL.md, "Referral gap").

use super::Scenario;

impl Scenario {
    /// The same scenario with perfect communication: every channel that is not a movement gets
    /// quality and fidelity 1; delays, and movements, are unchanged (the "perfect
    /// communication" counterfactual of the referral gap). Variants are dropped.
    pub fn with_perfect_communication(&self) -> Scenario {
        let mut s = self.network_only();
        for c in s.channels.iter_mut().filter(|c| !c.movement) {
            c.quality = 1.0;
            c.fidelity = 1.0;
        }
        s
    }

    /// The same scenario with channel `e` perfect: quality and fidelity 1, delay unchanged; a
    /// movement is left as it is. Variants are dropped.
    pub fn with_channel_perfect(&self, e: usize) -> Scenario {
        let mut s = self.network_only();
        if let Some(c) = s.channels.get_mut(e).filter(|c| !c.movement) {
            c.quality = 1.0;
            c.fidelity = 1.0;
        }
        s
    }
}
