//! Whether a victim drops out while a referral is pending: the word-level test of docs/MODEL.md
//! ("One trial", step 6), `1 - exp(-dropout_per_day * delay)` as a threshold over `2^32`, with a
//! fast path that gives the same answer without the exponential for most words.

use super::network::CERTAIN;

/// Whether an event of threshold `threshold` happens on `word` (docs/MODEL.md: a word below the
/// threshold).
#[inline]
pub(super) fn happens(word: u32, threshold: u64) -> bool {
    u64::from(word) < threshold
}

/// Whether the victim drops out during a wait of hazard `x = rate * days` (`x >= 0`), given the
/// attempt's dropout word: the word is below the threshold of probability `1 - exp(-x)`,
/// `round((1 - exp(-x)) * 2^32)`.
///
/// **Fast path, same answer.** `word < round(y)` holds exactly when `y >= word + 0.5`, and
/// `1 - exp(-x) <= x`; `expm1` is accurate to 1 ulp, so its value times `2^32` is below
/// `x * 2^32 * (1 + 1e-9)`. A word at or above that bound therefore never drops out, and most words
/// are (`x` is small): for them neither `expm1` nor the rounding is computed.
#[inline]
pub fn dropout_happens(word: u32, x: f64) -> bool {
    if f64::from(word) + 0.5 > x * CERTAIN as f64 * (1.0 + 1e-9) {
        return false;
    }
    happens(word, dropout_threshold(x))
}

/// Threshold of dropping out during a wait of hazard `x = rate * days`: `1 - exp(-x)`.
#[inline]
fn dropout_threshold(x: f64) -> u64 {
    round_non_negative((-(-x).exp_m1()) * CERTAIN as f64)
}

/// `y.round() as u64` for `y` in `[0, 2^52)`, without the libm call `round` is on baseline
/// x86-64: the fraction `y - trunc(y)` is exact there, and halves round up, as `round` does.
/// The conversions go through `i64`, one instruction each way there (through `u64` they are a
/// branch and several): the same values as `y.round() as u64` on `[0, 2^63)` and for NaN (0),
/// not for `y <= -1` (checked in debug builds; no caller passes a negative value).
#[inline]
pub(crate) fn round_non_negative(y: f64) -> u64 {
    debug_assert!(y > -1.0 || y.is_nan(), "round_non_negative({y})");
    let t = y as i64;
    t as u64 + u64::from(y - t as f64 >= 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_non_negative_is_round() {
        let ys = [
            0.0,
            0.25,
            0.5,
            0.499_999_999_999_999_94,
            1.5,
            2.5,
            2.499_999_999_999_999_6,
            12_345.678,
            4_294_967_295.5,
            4_294_967_296.0,
            -0.0,
            -0.5,
            f64::NAN,
            4_503_599_627_370_496.0,
            9_007_199_254_740_994.0,
        ];
        for y in ys {
            assert_eq!(round_non_negative(y), y.round() as u64, "{y}");
        }
    }

    /// The fast path of `dropout_happens` answers as the threshold does: at the threshold, at the
    /// fast path's bound, and for many random (word, hazard) pairs.
    #[test]
    fn dropout_fast_path_is_exact() {
        let reference = |w: u32, x: f64| u64::from(w) < ((-(-x).exp_m1()) * CERTAIN as f64).round() as u64;
        let max = u64::from(u32::MAX);
        for x in [
            0.0,
            1e-12,
            1e-9,
            2f64.powi(-33),
            1e-3,
            0.01,
            0.0725,
            0.5,
            1.0,
            3.0,
            40.0,
            1e3,
        ] {
            let t = reference_threshold(x);
            let bound = (x * CERTAIN as f64).min(max as f64) as u64;
            for w in [
                0,
                1,
                t.saturating_sub(1),
                t,
                t + 1,
                bound.saturating_sub(1),
                bound,
                bound + 1,
                max,
            ] {
                let w = w.min(max) as u32;
                assert_eq!(dropout_happens(w, x), reference(w, x), "w={w} x={x}");
            }
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..1_000_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let w = (state >> 32) as u32;
            let x = (state & 0xFFFF) as f64 * 1e-5;
            assert_eq!(dropout_happens(w, x), reference(w, x), "w={w} x={x}");
        }
    }

    fn reference_threshold(x: f64) -> u64 {
        ((-(-x).exp_m1()) * CERTAIN as f64).round() as u64
    }
}
