//! A mergeable log-linear histogram of non-negative values (days, hops), with an exact count and
//! an exact fixed-point sum, for mean, p50 and p90.
//!
//! **Bins.** Exact zero has its own bin (protection at the entry point happens at day 0); values
//! in (0, 2^-8) share one bin; each octave [2^e, 2^(e+1)) for e in -8..16 is split into 32 equal
//! bins; values from 2^16 days (179 years) up share the last bin. A quantile is reported as the
//! midpoint of the bin holding it, so its relative error is at most 1/64 (1.6 %). Small
//! integers (hop counts) use the exact [`IntHistogram`] instead.
//!
//! **Exact merging.** Counts are integers, and the sum is kept in units of 2^-20 day (under 0.1
//! second) as a `u128`, so merging is exact and order-independent: results cannot depend on how
//! trials were split between threads or shards. The mean is exact up to that rounding of each
//! value.

const SUB_BITS: u32 = 5;
const MIN_EXP: i64 = -8;
const MAX_EXP: i64 = 16;
/// Bins: zero, tiny, 24 octaves × 32, overflow.
const BINS: usize = 2 + ((MAX_EXP - MIN_EXP) as usize) * (1 << SUB_BITS) + 1;
/// f64 bits >> (52 - SUB_BITS) of 2^MIN_EXP.
const BASE: u64 = ((1023 + MIN_EXP) as u64) << SUB_BITS;
/// Fixed-point scale of the sum.
const SCALE: f64 = (1u64 << 20) as f64;

/// A mergeable histogram with exact count and sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    /// Empty until the first value, so that unused histograms cost nothing.
    #[serde(with = "sparse")]
    bins: Vec<u64>,
    n: u64,
    sum: u128,
}

/// The encoding of a histogram's bins in shard files (see the `stats` module docs): only the
/// non-zero bins, as `[bin, count]` pairs. Most of a histogram's 771 bins are zero, so this
/// keeps a shard small; bins that exist always hold at least one value, so no pairs means no
/// bins.
mod sparse {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::BINS;

    pub fn serialize<S: Serializer>(bins: &[u64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(bins.iter().enumerate().filter(|(_, c)| **c != 0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let pairs = Vec::<(usize, u64)>::deserialize(d)?;
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let mut bins = vec![0; BINS];
        for (b, c) in pairs {
            match bins.get_mut(b) {
                Some(slot) if *slot == 0 && c != 0 => *slot = c,
                _ => {
                    return Err(D::Error::custom(format!(
                        "histogram bin {b} is out of range, repeated or zero"
                    )));
                }
            }
        }
        Ok(bins)
    }
}

fn bin_of(v: f64) -> usize {
    if v <= 0.0 {
        return 0;
    }
    let key = v.to_bits() >> (52 - SUB_BITS);
    if key < BASE {
        1
    } else {
        (2 + (key - BASE) as usize).min(BINS - 1)
    }
}

/// The value reported for a bin: its midpoint (0 for the zero bin).
fn representative(bin: usize) -> f64 {
    match bin {
        0 => 0.0,
        1 => (MIN_EXP as f64 - 1.0).exp2(),
        b if b == BINS - 1 => (MAX_EXP as f64).exp2(),
        b => {
            let key = BASE + (b - 2) as u64;
            let lo = f64::from_bits(key << (52 - SUB_BITS));
            let hi = f64::from_bits((key + 1) << (52 - SUB_BITS));
            0.5 * (lo + hi)
        }
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram::default()
    }

    /// Adds a value (negative values count as 0).
    #[inline]
    pub fn add(&mut self, v: f64) {
        if self.bins.is_empty() {
            self.bins = vec![0; BINS];
        }
        self.bins[bin_of(v)] += 1;
        self.n += 1;
        // Values are clamped at 2^40 days before scaling (so even 2^40 trials cannot overflow the
        // sum) and rounded half up by `+ 0.5` and truncation, cheaper than `round` (a libm call on
        // baseline x86-64) and the same for these non-negative values below 2^60. Truncating
        // through `i64` (one instruction) gives the same integer as through `u64` below 2^63.
        self.sum += u128::from((v.clamp(0.0, (1u64 << 40) as f64) * SCALE + 0.5) as i64 as u64);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.bins.is_empty() {
            return;
        }
        if self.bins.is_empty() {
            self.bins = vec![0; BINS];
        }
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.n += other.n;
        self.sum += other.sum;
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Whether the histogram is consistent: no bins at all, or every bin with the count their
    /// sum. A histogram read back from a file (a shard) is checked with this before it is merged.
    pub fn is_well_formed(&self) -> bool {
        if self.bins.is_empty() {
            self.n == 0 && self.sum == 0
        } else {
            self.bins.len() == BINS && self.bins.iter().try_fold(0u64, |a, &b| a.checked_add(b)) == Some(self.n)
        }
    }

    /// Mean, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / SCALE / self.n as f64)
    }

    /// The `q`-quantile (`q` in (0, 1]): the midpoint of the bin holding the value of rank
    /// `ceil(q * n)`; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (b, &c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(representative(b));
            }
        }
        None
    }
}

/// An exact histogram of small non-negative integers (hop counts), mergeable.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntHistogram {
    /// `counts[k]` values equal to `k`; grows to the largest value seen.
    counts: Vec<u64>,
}

impl IntHistogram {
    /// Adds a value.
    #[inline]
    pub fn add(&mut self, k: u32) {
        let k = k as usize;
        if k >= self.counts.len() {
            self.counts.resize(k + 1, 0);
        }
        self.counts[k] += 1;
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &IntHistogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Mean, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        let sum: u64 = self.counts.iter().enumerate().map(|(k, c)| k as u64 * c).sum();
        (n > 0).then(|| sum as f64 / n as f64)
    }

    /// The value of rank `ceil(q * n)`, `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        self.counts
            .iter()
            .position(|&c| {
                seen += c;
                seen >= rank
            })
            .map(|k| k as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_monotone_and_cover_the_range() {
        let mut last = 0;
        let mut v = 1e-4;
        while v < 1e6 {
            let b = bin_of(v);
            assert!(b >= last && b < BINS, "{v}");
            last = b;
            v *= 1.01;
        }
        assert_eq!(bin_of(0.0), 0);
        assert_eq!(bin_of(1e9), BINS - 1);
    }

    #[test]
    fn quantiles_within_bin_precision() {
        let mut h = Histogram::new();
        for i in 1..=1000 {
            h.add(i as f64 * 0.1);
        }
        // True p50 = 50.0, p90 = 90.0.
        let p50 = h.quantile(0.5).unwrap();
        let p90 = h.quantile(0.9).unwrap();
        assert!((p50 - 50.0).abs() / 50.0 < 1.0 / 64.0 + 1e-12, "{p50}");
        assert!((p90 - 90.0).abs() / 90.0 < 1.0 / 64.0 + 1e-12, "{p90}");
        assert!((h.mean().unwrap() - 50.05).abs() < 1e-5);
    }

    #[test]
    fn int_histogram_is_exact() {
        let mut h = IntHistogram::default();
        for k in [3u32, 1, 40, 2, 2, 100, 2] {
            h.add(k);
        }
        assert_eq!(h.count(), 7);
        assert_eq!(h.quantile(0.5), Some(2.0));
        assert_eq!(h.quantile(0.9), Some(100.0));
        assert_eq!(h.mean(), Some(150.0 / 7.0));
        let mut g = IntHistogram::default();
        g.add(7);
        g.merge(&h);
        assert_eq!(g.count(), 8);
        assert_eq!(g.quantile(1.0), Some(100.0));
    }

    #[test]
    fn zero_is_reported_as_zero() {
        let mut h = Histogram::new();
        h.add(0.0);
        h.add(0.0);
        h.add(5.0);
        assert_eq!(h.quantile(0.5), Some(0.0));
    }

    #[test]
    fn merge_is_exact_and_order_independent() {
        let vals: Vec<f64> = (0..500).map(|i| (i as f64 * 0.37).sin().abs() * 40.0).collect();
        let mut all = Histogram::new();
        vals.iter().for_each(|&v| all.add(v));
        let (mut a, mut b) = (Histogram::new(), Histogram::new());
        vals[..123].iter().for_each(|&v| a.add(v));
        vals[123..].iter().for_each(|&v| b.add(v));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b;
        ba.merge(&a);
        assert_eq!(ab, all);
        assert_eq!(ba, all);
    }
}
