//! The vocabulary shared by every layer, from the scenario up: the services an authority grants
//! ([`Service`], [`Services`]), the delay laws of channels ([`delay`]) and the Latin hypercube
//! that sweeps and sensitivity designs share ([`latin`]).
//!
//! It sits just above `error` so that the scenario can state its network in these words and the
//! model, the exact solver and the reports can read them, without the scenario depending on the
//! model. It owns no scenario rules (which values are allowed where is `scenario`'s business,
//! apart from a delay law's own validity, [`delay::Delay::check`]) and does no I/O.

pub mod delay;
pub mod latin;
pub mod measure;

use std::fmt;

/// A service an authority can grant; reaching it is a milestone of the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Protection (shelter, care, recovery and reflection period).
    Protection,
    /// Return to the country of origin.
    Return,
    /// Reintegration support.
    Reintegration,
}

impl Service {
    /// All services, in bit order.
    pub const ALL: [Service; 3] = [Service::Protection, Service::Return, Service::Reintegration];

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Service::Protection => "protection",
            Service::Return => "return",
            Service::Reintegration => "reintegration",
        }
    }

    /// Parses a scenario-file name.
    pub fn from_name(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|x| x.name() == s)
    }

    /// Position in [`Service::ALL`] and bit index in [`Services`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A set of services, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Services(u8);

impl Services {
    /// The empty set.
    pub const NONE: Services = Services(0);

    /// Whether `s` is in the set.
    pub fn contains(self, s: Service) -> bool {
        self.0 & (1 << s.index()) != 0
    }

    /// The set with `s` added.
    pub fn with(self, s: Service) -> Services {
        Services(self.0 | (1 << s.index()))
    }

    /// Whether every service of `other` is in `self`.
    pub fn includes(self, other: Services) -> bool {
        self.0 & other.0 == other.0
    }

    /// Services in `self` and not in `other`.
    pub fn without(self, other: Services) -> Services {
        Services(self.0 & !other.0)
    }

    /// Union.
    pub fn union(self, other: Services) -> Services {
        Services(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set as bits (`1 << Service::index()`), in 0..8.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set of the given bits (bits above the three services are ignored).
    pub fn from_bits(bits: u8) -> Services {
        Services(bits & 0b111)
    }

    /// The members, in [`Service::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Service> for Services {
    fn from_iter<I: IntoIterator<Item = Service>>(iter: I) -> Services {
        iter.into_iter().fold(Services::NONE, Services::with)
    }
}

impl fmt::Display for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Service::name).collect();
        write!(f, "[{}]", names.join(", "))
    }
}
