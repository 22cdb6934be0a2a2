//! Random streams: which words trial `i` of cohort `c` sees, independent of threads, blocks,
//! shards and variants.
//!
//! **Construction.** The ChaCha8 key is the seed (8 bytes, little-endian) followed by the tag
//! `refgap-stream-v1` and zero padding. Each cohort owns two ChaCha streams (the 64-bit nonce):
//! `h & !1` for windows and `h | 1` for overflow, where `h` is the FNV-1a hash of the cohort's
//! name, so adding or reordering cohorts changes no other cohort's numbers. Trial `i` owns the
//! **window** of [`WINDOW_WORDS`] words starting at word `i * WINDOW_WORDS` of the window stream;
//! a trial that needs more words continues at word `i * 2^23` of the overflow stream (no trial
//! can need 2^23 words: see [`crate::scenario::MAX_HOPS`] and [`crate::scenario::MAX_RETRIES`]).
//!
//! Windows are generated a block at a time ([`StreamKey::fill_windows`]), which costs the same
//! as one sequential stream. The overflow region of a trial is generated [`OVERFLOW_CHUNK`] words
//! at a time into its worker's reusable [`OverflowRng`], which keeps them for as long as it serves
//! the same trial: words skipped over, and the second arm of the trial (perfect communication),
//! cost nothing more.
//! Because a trial's words depend only on (seed, cohort name, trial index), results do not depend
//! on the number of threads or on how trials are grouped into blocks or shards, and every variant
//! of a run sees the same words for trial `i` (common random numbers).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::trial::{Draws, Rewind};

/// Words in each trial's window. Part of the result format: changing it changes results.
///
/// Chosen by instruction counts (callgrind, 240,000 bench100 trials): 24 words 556 M, 32 words
/// 524 M, 48 words 492 M, 64 words 495 M. Shorter windows send more trials to the overflow region;
/// longer ones generate words nobody reads. See `benches/RESULTS.md`.
pub const WINDOW_WORDS: usize = 48;

/// `log2` of the overflow region per trial, in words.
const OVERFLOW_SHIFT: u32 = 23;

/// Words of an overflow region generated at once: one ChaCha8 refill (4 blocks of 16 words).
/// Not part of the result format: it only decides how many words are generated ahead.
pub const OVERFLOW_CHUNK: usize = 64;

/// The keyed generator of a run; cheap to clone.
#[derive(Debug, Clone)]
pub struct StreamKey {
    base: ChaCha8Rng,
}

/// The two stream ids of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortStreams {
    window: u64,
    overflow: u64,
}

impl CohortStreams {
    /// The streams of the cohort with this name.
    pub fn for_cohort(name: &str) -> CohortStreams {
        let h = fnv1a(name.as_bytes());
        CohortStreams {
            window: h & !1,
            overflow: h | 1,
        }
    }
}

impl CohortStreams {
    /// Streams of variant `variant` of the cohort for `--independent` runs only: variant 0 (the
    /// baseline) keeps the cohort's own streams, every other variant gets streams named by the
    /// cohort and the variant's position, so that variants no longer share random numbers.
    pub fn independent(name: &str, variant: usize) -> CohortStreams {
        if variant == 0 {
            return CohortStreams::for_cohort(name);
        }
        let h = fnv1a(format!("{name}\u{0}independent-variant-{variant}").as_bytes());
        CohortStreams {
            window: h & !1,
            overflow: h | 1,
        }
    }
}

impl StreamKey {
    /// The key for a seed.
    pub fn new(seed: u64) -> StreamKey {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..24].copy_from_slice(b"refgap-stream-v1");
        StreamKey {
            base: ChaCha8Rng::from_seed(key),
        }
    }

    /// Fills `out` with the windows of trials `first_trial ..`, `out.len() / WINDOW_WORDS` of them.
    pub fn fill_windows(&self, streams: CohortStreams, first_trial: u64, out: &mut [u32]) {
        let mut rng = self.base.clone();
        rng.set_stream(streams.window);
        rng.set_word_pos(u128::from(first_trial) * WINDOW_WORDS as u128);
        // `fill` copies whole generated blocks (the same words as `next_u32` one at a time, as
        // the value-stability test pins), at a fraction of the cost.
        rng.fill(out);
    }

    /// A reusable generator for the overflow regions of trials (one per worker thread).
    pub fn overflow_rng(&self) -> OverflowRng {
        OverflowRng {
            rng: self.base.clone(),
            owner: None,
            words: Vec::new(),
            valid: 0,
        }
    }

    /// The draws of one trial, given its window and a worker's overflow generator.
    pub fn trial<'a>(
        &self,
        streams: CohortStreams,
        trial: u64,
        window: &'a [u32],
        overflow: &'a mut OverflowRng,
    ) -> TrialDraws<'a> {
        TrialDraws {
            window,
            pos: 0,
            streams,
            trial,
            overflow,
            ready: 0,
        }
    }
}

/// The generator behind the overflow regions, and the words it generated for the last trial that
/// needed them; reused from trial to trial so that an overflowing trial costs one refill per
/// [`OVERFLOW_CHUNK`] words, not an allocation.
#[derive(Debug, Clone)]
pub struct OverflowRng {
    rng: ChaCha8Rng,
    /// The (overflow stream, trial) whose region `words` begins; `None` before the first.
    owner: Option<(u64, u64)>,
    /// The first `valid` words (a multiple of [`OVERFLOW_CHUNK`]) of `owner`'s region, then
    /// stale words of earlier trials: the buffer only grows, and is never cleared.
    words: Vec<u32>,
    /// Words of `words` that belong to `owner`.
    valid: usize,
}

impl OverflowRng {
    /// Makes sure `words` holds word `offset` of the overflow region of `trial` in `stream`, and
    /// returns how many words of that region it holds.
    #[cold]
    #[inline(never)]
    fn prepare(&mut self, stream: u64, trial: u64, offset: usize) -> usize {
        if self.owner != Some((stream, trial)) {
            self.owner = Some((stream, trial));
            self.valid = 0;
        }
        while self.valid <= offset {
            let start = self.valid;
            if self.rng.get_stream() != stream {
                self.rng.set_stream(stream);
            }
            // `start` is a multiple of 16 words, a ChaCha block: the seek generates nothing, and
            // `fill` then generates exactly the chunk.
            self.rng
                .set_word_pos((u128::from(trial) << OVERFLOW_SHIFT) + start as u128);
            if self.words.len() < start + OVERFLOW_CHUNK {
                self.words.resize(start + OVERFLOW_CHUNK, 0);
            }
            self.rng.fill(&mut self.words[start..start + OVERFLOW_CHUNK]);
            self.valid = start + OVERFLOW_CHUNK;
        }
        self.valid
    }
}

/// The words of one trial: its window, then its overflow region.
#[derive(Debug)]
pub struct TrialDraws<'a> {
    window: &'a [u32],
    /// Position of the next word: in the window below `window.len()`, in the overflow region
    /// (at `pos - window.len()`) above.
    pos: usize,
    streams: CohortStreams,
    trial: u64,
    overflow: &'a mut OverflowRng,
    /// Words of this trial's overflow region known to be in `overflow.words` (0: not checked).
    ready: usize,
}

impl TrialDraws<'_> {
    /// Whether the trial has used words beyond its window.
    pub fn overflowed(&self) -> bool {
        self.pos > self.window.len()
    }

    #[inline]
    fn overflow_word(&mut self, offset: usize) -> u32 {
        if offset >= self.ready {
            self.ready = self.overflow.prepare(self.streams.overflow, self.trial, offset);
        }
        self.overflow.words[offset]
    }
}

impl Draws for TrialDraws<'_> {
    #[inline]
    fn word(&mut self) -> u32 {
        let p = self.pos;
        self.pos = p + 1;
        match self.window.get(p) {
            Some(&w) => w,
            None => self.overflow_word(p - self.window.len()),
        }
    }

    #[inline]
    fn skip(&mut self, n: usize) {
        self.pos += n;
    }

    /// One bounds check for all `N` words when they lie in the window, or in the part of the
    /// overflow region already generated for this trial.
    #[inline]
    fn words<const N: usize>(&mut self) -> [u32; N] {
        let p = self.pos;
        let region = match p.checked_sub(self.window.len()) {
            None => self.window.get(p..p + N),
            Some(offset) if offset + N <= self.ready => self.overflow.words.get(offset..offset + N),
            Some(_) => None,
        };
        match region.and_then(|w| <[u32; N]>::try_from(w).ok()) {
            Some(w) => {
                self.pos = p + N;
                w
            }
            None => std::array::from_fn(|_| self.word()),
        }
    }
}

impl Rewind for TrialDraws<'_> {
    #[inline]
    fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    fn rewind(&mut self, position: usize) {
        self.pos = position;
    }
}

/// 64-bit FNV-1a: a stable, documented hash for naming streams.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn fnv1a_reference_values() {
        // Reference values of the FNV-1a 64-bit specification.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// A trial's window is the same whether it is filled in a block of 1 or as part of a
    /// longer block starting elsewhere.
    #[test]
    fn windows_do_not_depend_on_block_boundaries() {
        let key = StreamKey::new(7);
        let s = CohortStreams::for_cohort("x");
        let mut long = vec![0u32; 10 * WINDOW_WORDS];
        key.fill_windows(s, 100, &mut long);
        let mut one = vec![0u32; WINDOW_WORDS];
        key.fill_windows(s, 105, &mut one);
        assert_eq!(one, long[5 * WINDOW_WORDS..6 * WINDOW_WORDS]);
    }

    /// Words past the window come from the trial's own overflow region, and skipping is
    /// positional there too.
    #[test]
    fn overflow_is_positional() {
        let key = StreamKey::new(7);
        let s = CohortStreams::for_cohort("x");
        let mut win = vec![0u32; WINDOW_WORDS];
        key.fill_windows(s, 3, &mut win);
        let mut ov = key.overflow_rng();
        let mut a = key.trial(s, 3, &win, &mut ov);
        let all: Vec<u32> = (0..WINDOW_WORDS + 10).map(|_| a.word()).collect();
        assert!(a.overflowed());
        assert_eq!(all[..WINDOW_WORDS], win[..]);
        let mut b = key.trial(s, 3, &win, &mut ov);
        b.skip(WINDOW_WORDS + 4);
        assert_eq!(b.word(), all[WINDOW_WORDS + 4]);
        // Another trial's overflow differs.
        let mut c = key.trial(s, 4, &win, &mut ov);
        c.skip(WINDOW_WORDS);
        assert_ne!(c.word(), all[WINDOW_WORDS]);
    }

    /// The overflow region read through the reusable generator (in chunks, with skips, for
    /// trials served in turn and read twice) holds the words of the stream read word by word.
    #[test]
    fn overflow_matches_the_stream_word_by_word() {
        let key = StreamKey::new(7);
        let s = CohortStreams::for_cohort("x");
        let win = vec![0u32; WINDOW_WORDS];
        let mut ov = key.overflow_rng();
        for trial in [5u64, 9, 5, 5] {
            let mut reference = key.base.clone();
            reference.set_stream(s.overflow);
            reference.set_word_pos(u128::from(trial) << OVERFLOW_SHIFT);
            let want: Vec<u32> = (0..3 * OVERFLOW_CHUNK + 7).map(|_| reference.next_u32()).collect();
            let mut d = key.trial(s, trial, &win, &mut ov);
            d.skip(WINDOW_WORDS + 3);
            assert_eq!(d.word(), want[3]);
            d.skip(OVERFLOW_CHUNK);
            assert_eq!(d.word(), want[OVERFLOW_CHUNK + 4]);
            let rest: Vec<u32> = (OVERFLOW_CHUNK + 5..want.len()).map(|_| d.word()).collect();
            assert_eq!(rest, want[OVERFLOW_CHUNK + 5..]);
            let mut again = key.trial(s, trial, &win, &mut ov);
            again.skip(WINDOW_WORDS);
            assert_eq!(again.word(), want[0]);
        }
    }

    /// Value stability of the stream construction: pinned first words.
    #[test]
    fn value_stability() {
        let key = StreamKey::new(42);
        let mut w = vec![0u32; 4];
        key.fill_windows(CohortStreams::for_cohort("cohort"), 0, &mut w);
        assert_eq!(w, PINNED);
    }

    const PINNED: [u32; 4] = [552_629_364, 3_329_025_943, 4_124_039_560, 466_643_867];
}
