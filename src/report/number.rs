//! How numbers are shown on the terminal: a value that rounds to zero at the printed precision is
//! shown as `+0.0`, never `-0.0` (a tiny negative difference is no difference at that precision).

/// `x`, or `0.0` when it rounds to zero at `decimals` decimals, so that a signed format such as
/// `{:+.1}` never prints `-0.0`.
pub fn shown(x: f64, decimals: i32) -> f64 {
    if x.abs() < 0.5 * 10f64.powi(-decimals) { 0.0 } else { x }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn values_that_round_to_zero_lose_their_sign() {
        assert_eq!(format!("{:+.1}", shown(-0.04, 1)), "+0.0");
        assert_eq!(format!("{:+.1}", shown(-0.0, 1)), "+0.0");
        assert_eq!(format!("{:+.1}", shown(-0.05, 1)), "-0.1");
        assert_eq!(format!("{:+.4}", shown(-0.00004, 4)), "+0.0000");
        assert_eq!(format!("{:+.1}", shown(2.26, 1)), "+2.3");
    }
}
