//! Known answers: Ishigami and linear models for the Sobol' indices, linear and no-effect
//! factors for Morris, strata for the Latin hypercube, hand-computed triangular quantiles.

use std::f64::consts::PI;

use super::*;

/// Ishigami & Homma (1990): `f = sin x1 + a sin² x2 + b x3⁴ sin x1`, `x_i ~ U(−π, π)`.
fn ishigami(x: &[f64], a: f64, b: f64) -> f64 {
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

fn eval(points: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    points.iter().map(|p| f(p)).collect()
}

fn inside(x: f64, (lo, hi): (f64, f64)) -> bool {
    lo <= x && x <= hi
}

/// Analytic Ishigami indices (Sobol' & Levitan 1999; Saltelli et al. 2008, §4.3), derived from
/// the ANOVA decomposition with `x ~ U(−π, π)`: `E sin² x = 1/2`, `E sin⁴ x = 3/8`,
/// `E x⁴ = π⁴/5`, `E x⁸ = π⁸/9`.
/// - `V1 = V[sin x1 (1 + b E x3⁴)] = (1 + bπ⁴/5)² / 2`;
/// - `V2 = a² V[sin² x2] = a² (3/8 − 1/4) = a²/8`; `V3 = 0` (`E[sin x1] = 0`);
/// - `V13 = b² E sin² x1 · V[x3⁴] = b² π⁸ (1/9 − 1/25) / 2 = 8 b² π⁸ / 225`;
/// - `V = V1 + V2 + V13 = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2`.
///
/// With a = 7, b = 0.1: V = 13.8446, S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
fn ishigami_analytic(a: f64, b: f64) -> ([f64; 3], [f64; 3]) {
    let pi4 = PI.powi(4);
    let pi8 = PI.powi(8);
    let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * pi8 / 225.0;
    let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi8 / 18.0 + 0.5;
    assert!((v - (v1 + v2 + v13)).abs() < 1e-12 * v);
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

#[test]
fn ishigami_analytic_values_match_the_literature() {
    let (s1, st) = ishigami_analytic(7.0, 0.1);
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(s1.map(round), [0.3139, 0.4424, 0.0]);
    assert_eq!(st.map(round), [0.5576, 0.4424, 0.2437]);
}

#[test]
fn ishigami_indices_cover_the_analytic_values() {
    let design = saltelli(1 << 14, 3, 20_240_501).unwrap();
    let y = eval(&design.points, |u| {
        let x: Vec<f64> = u.iter().map(|&u| -PI + 2.0 * PI * u).collect();
        ishigami(&x, 7.0, 0.1)
    });
    let got = sobol_indices(&design, &y, 1000, 7);
    let (s1, st) = ishigami_analytic(7.0, 0.1);
    for i in 0..3 {
        let g = got[i];
        assert!(inside(s1[i], g.s1_ci), "S1[{i}] = {} not in {:?}", s1[i], g.s1_ci);
        assert!(inside(st[i], g.st_ci), "ST[{i}] = {} not in {:?}", st[i], g.st_ci);
        assert!(inside(g.s1, g.s1_ci) && inside(g.st, g.st_ci));
        // Narrow: N = 16,384 base rows pin every index to a few hundredths.
        assert!(g.s1_ci.1 - g.s1_ci.0 < 0.05, "{g:?}");
        assert!(g.st_ci.1 - g.st_ci.0 < 0.05, "{g:?}");
    }
}

/// `y = Σ a_i x_i`, `x_i ~ U(lo_i, hi_i)` independent: `V = Σ a_i² w_i² / 12` with `w_i` the
/// width, no interactions, so `S1_i = ST_i = a_i² w_i² / Σ_j a_j² w_j²` (`a_i²/Σa_j²` on equal
/// widths). Factor 3 has `a = 0`: no effect, so both indices are exactly 0.
#[test]
fn linear_model_indices_are_the_shares_of_the_squared_coefficients() {
    let a = [1.0, 2.0, 3.0, 0.0];
    let total: f64 = a.iter().map(|c| c * c).sum();
    let design = saltelli(1 << 12, 4, 3).unwrap();
    let y = eval(&design.points, |u| {
        u.iter().zip(&a).map(|(u, c)| c * (2.0 + 5.0 * u)).sum()
    });
    let got = sobol_indices(&design, &y, 500, 11);
    for i in 0..4 {
        let share = a[i] * a[i] / total;
        assert!(
            inside(share, got[i].s1_ci),
            "S1[{i}]: {share} not in {:?}",
            got[i].s1_ci
        );
        assert!(
            inside(share, got[i].st_ci),
            "ST[{i}]: {share} not in {:?}",
            got[i].st_ci
        );
    }
    // Jansen's ST sums (f(A) − f(AB_4))², each exactly 0 when f ignores x_4; so does S1's sum.
    assert_eq!(got[3].st, 0.0);
    assert_eq!(got[3].st_ci, (0.0, 0.0));
    assert_eq!(got[3].s1, 0.0);
    assert!(inside(0.0, got[3].s1_ci));
}

#[test]
fn constant_output_gives_zero_indices_not_nan() {
    let design = saltelli(64, 3, 1).unwrap();
    let y = vec![0.25; design.points.len()];
    for g in sobol_indices(&design, &y, 50, 2) {
        assert_eq!(
            g,
            SobolIndex {
                s1: 0.0,
                s1_ci: (0.0, 0.0),
                st: 0.0,
                st_ci: (0.0, 0.0)
            }
        );
    }
    let m = morris(5, 3, 4, 1);
    let y = vec![0.25; m.points.len()];
    for g in morris_indices(&m, &y, 50, 2) {
        assert_eq!(
            g,
            MorrisIndex {
                mu: 0.0,
                mu_star: 0.0,
                mu_star_ci: (0.0, 0.0),
                sigma: 0.0
            }
        );
    }
}

#[test]
fn saltelli_layout_and_rules() {
    let d = saltelli(8, 3, 5).unwrap();
    assert_eq!(d.points.len(), 8 * 5);
    for j in 0..8 {
        let (a, b) = (&d.points[j], &d.points[8 + j]);
        for i in 0..3 {
            let ab = &d.points[(2 + i) * 8 + j];
            for c in 0..3 {
                assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
            }
        }
    }
    assert!(d.points.iter().flatten().all(|&x| (0.0..1.0).contains(&x)));
    for bad in [0, 1, 3, 1000] {
        assert!(saltelli(bad, 2, 0).unwrap_err().contains("power of two"));
    }
    assert!(saltelli(8, 0, 0).is_err());
    assert!(saltelli(8, 501, 0).is_err());
    assert!(saltelli(8, 500, 0).is_ok());
}

#[test]
fn sobol_sequence_is_joe_kuo_and_a_digital_shift_keeps_its_strata() {
    let s = sobol_sequence(4, 3).unwrap();
    assert_eq!(
        s[..4],
        [
            vec![0.0; 3],
            vec![0.5; 3],
            vec![0.75, 0.25, 0.25],
            vec![0.25, 0.75, 0.75]
        ]
    );
    // Every prefix of 2^m points puts one point in each interval [s/2^m, (s+1)/2^m) of every
    // coordinate; a digital shift permutes those intervals, so the shifted design does too.
    let d = saltelli(64, 4, 9).unwrap();
    for column in 0..4 {
        for block in [&d.points[..64], &d.points[64..128]] {
            let mut strata: Vec<usize> = block.iter().map(|p| (p[column] * 64.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..64).collect::<Vec<_>>());
        }
    }
}

#[test]
fn designs_are_reproducible_and_depend_on_the_seed() {
    assert_eq!(saltelli(16, 3, 1), saltelli(16, 3, 1));
    assert_ne!(saltelli(16, 3, 1).unwrap().points, saltelli(16, 3, 2).unwrap().points);
    assert_eq!(morris(4, 3, 4, 1), morris(4, 3, 4, 1));
    assert_ne!(morris(4, 3, 4, 1).points, morris(4, 3, 4, 2).points);
    assert_eq!(lhs(10, 3, 1), lhs(10, 3, 1));
    assert_ne!(lhs(10, 3, 1), lhs(10, 3, 2));
    let design = saltelli(64, 2, 1).unwrap();
    let y = eval(&design.points, |x| x[0] * x[1] + x[0]);
    assert_eq!(sobol_indices(&design, &y, 100, 3), sobol_indices(&design, &y, 100, 3));
    assert_ne!(sobol_indices(&design, &y, 100, 3), sobol_indices(&design, &y, 100, 4));
}

#[test]
fn lhs_has_one_point_per_stratum_on_every_axis() {
    for (n, k) in [(1, 1), (7, 3), (100, 5)] {
        let pts = lhs(n, k, 42);
        assert_eq!(pts.len(), n);
        for axis in 0..k {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[axis] * n as f64) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "axis {axis}");
        }
    }
    assert!(lhs(0, 3, 1).is_empty());
}

#[test]
fn triangular_inverse_hand_checked() {
    // lo = 0, mode = 1, hi = 3: F(x) = x²/3 below the mode (F(1) = 1/3), 1 − (3 − x)²/6 above.
    assert_eq!(triangular_inverse(0.0, 0.0, 1.0, 3.0), 0.0);
    assert_eq!(triangular_inverse(1.0 / 12.0, 0.0, 1.0, 3.0), 0.5); // F(0.5) = 0.25/3
    assert!((triangular_inverse(1.0 / 3.0, 0.0, 1.0, 3.0) - 1.0).abs() < 1e-15);
    assert!((triangular_inverse(0.5, 0.0, 1.0, 3.0) - (3.0 - 3f64.sqrt())).abs() < 1e-15);
    assert!((triangular_inverse(5.0 / 6.0, 0.0, 1.0, 3.0) - 2.0).abs() < 1e-15); // 1 − 1/6
    assert_eq!(triangular_inverse(1.0, 0.0, 1.0, 3.0), 3.0);
    // Mode at an end, and a degenerate range.
    assert_eq!(triangular_inverse(0.25, 0.0, 0.0, 1.0), 1.0 - 0.75f64.sqrt());
    assert_eq!(triangular_inverse(0.25, 0.0, 1.0, 1.0), 0.5);
    assert_eq!(triangular_inverse(0.3, 2.0, 2.0, 2.0), 2.0);
}

#[test]
fn morris_design_moves_one_factor_by_delta_per_step() {
    let m = morris(20, 5, 6, 8);
    assert_eq!(m.points.len(), 20 * 6);
    assert_eq!(m.delta, 0.6);
    for t in 0..20 {
        let mut seen: Vec<usize> = m.moved[t * 5..(t + 1) * 5].to_vec();
        seen.sort();
        assert_eq!(seen, vec![0, 1, 2, 3, 4], "each factor moves once per trajectory");
        for s in 0..5 {
            let (p, q) = (&m.points[t * 6 + s], &m.points[t * 6 + s + 1]);
            for c in 0..5 {
                let d = (q[c] - p[c]).abs();
                if c == m.moved[t * 5 + s] {
                    assert!((d - 0.6).abs() < 1e-12);
                } else {
                    assert_eq!(d, 0.0);
                }
            }
        }
    }
    assert!(m.points.iter().flatten().all(|&x| (0.0..=1.0).contains(&x)));
    assert!(morris_check(10, 3, 3).unwrap_err().contains("even"));
    assert!(morris_check(0, 3, 4).is_err() && morris_check(10, 0, 4).is_err());
    assert_eq!(morris(2, 2, 3, 0).levels, 4);
}

/// Linear `y = Σ a_i (lo_i + w_i u_i)`: every elementary effect of factor i is `a_i w_i`
/// (`Δy = a_i w_i Δ`), so `mu = a_i w_i`, `mu* = |a_i| w_i`, `sigma = 0` up to rounding; the
/// ignored factor's effects are exactly 0.
#[test]
fn morris_linear_model_and_no_effect_factor() {
    let a = [1.5, -2.0, 0.0, 0.25];
    let lo = [0.0, -1.0, 3.0, 10.0];
    let w = [1.0, 4.0, 2.0, 0.5];
    let m = morris(30, 4, 4, 17);
    let y = eval(&m.points, |u| (0..4).map(|i| a[i] * (lo[i] + w[i] * u[i])).sum());
    let got = morris_indices(&m, &y, 200, 5);
    for i in 0..4 {
        let g = got[i];
        let tol = 1e-12 * (1.0 + (a[i] * w[i]).abs());
        assert!((g.mu - a[i] * w[i]).abs() < tol, "{i}: {g:?}");
        assert!((g.mu_star - (a[i] * w[i]).abs()).abs() < tol, "{i}: {g:?}");
        assert!(g.sigma < tol, "{i}: {g:?}");
        assert!(inside(g.mu_star, g.mu_star_ci));
    }
    assert_eq!(
        got[2],
        MorrisIndex {
            mu: 0.0,
            mu_star: 0.0,
            mu_star_ci: (0.0, 0.0),
            sigma: 0.0
        }
    );
}
