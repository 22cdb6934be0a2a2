"""refgap's sensitivity estimators against SALib's, on the same points and outputs.

Reads the JSON that `cargo run --example sensitivity_dump -- FILE` writes (refgap's designs,
the outputs of test functions on them, refgap's indices) and checks:

1. refgap's Sobol' sequence is SciPy's unscrambled `qmc.Sobol` (the one SALib samples from):
   every point equal, bit for bit;
2. SALib's `sobol.analyze` (calc_second_order=False) on refgap's Saltelli design and outputs
   gives refgap's S1 and ST to 1e-10 (same estimators on the same data: equal to rounding);
3. SALib's `morris.analyze` on refgap's Morris design and outputs gives refgap's mu, mu* and
   sigma to 1e-10.

Bootstrap intervals come from different random numbers (and SALib's are normal-approximation
half-widths, refgap's percentile intervals), so they are only compared loosely: SALib's point
estimate must lie inside refgap's interval.

Usage: python3 salib_check.py DUMP.json. Closes with `salib: N passed, M failed`.
"""

import json
import sys

import numpy as np
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from scipy.stats import qmc

TOL = 1e-10

passed = 0
failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what} {detail}")


def close(what, mine, theirs):
    check(what, abs(mine - theirs) <= TOL, f"refgap {mine!r} SALib {theirs!r} diff {mine - theirs:.3e}")
    return abs(mine - theirs)


def problem(k):
    return {"num_vars": k, "names": [f"x{i + 1}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}


def main(path):
    with open(path) as f:
        doc = json.load(f)

    seq = doc["sequence"]
    ours = np.array(seq["points"])
    scipy_points = qmc.Sobol(d=seq["dims"], scramble=False).random(seq["n"])
    check(
        f"Sobol' sequence ({seq['n']} points, {seq['dims']} dims) equals scipy qmc.Sobol(scramble=False)",
        np.array_equal(ours, scipy_points),
        f"max diff {np.max(np.abs(ours - scipy_points)):.3e}",
    )
    print(f"sequence: {seq['n']} points x {seq['dims']} dims, identical to SciPy's: {np.array_equal(ours, scipy_points)}")

    for case in doc["sobol"]:
        n, k = case["n"], case["k"]
        y = np.array(case["y"])
        # refgap: A (n rows), B (n rows), AB_1 .. AB_k (n rows each).
        # SALib (calc_second_order=False): per base row j: A_j, AB_1j, .., AB_kj, B_j.
        blocks = y.reshape(k + 2, n)
        a, b, ab = blocks[0], blocks[1], blocks[2:]
        y_salib = np.column_stack([a, *ab, b]).reshape(-1)
        si = salib_sobol.analyze(problem(k), y_salib, calc_second_order=False, num_resamples=200, seed=1)
        worst = 0.0
        for i, mine in enumerate(case["indices"]):
            worst = max(worst, close(f"{case['model']} S1[{i}]", mine["s1"], si["S1"][i]))
            worst = max(worst, close(f"{case['model']} ST[{i}]", mine["st"], si["ST"][i]))
            for name, key in (("S1", "s1"), ("ST", "st")):
                lo, hi = mine[key + "_ci"]
                theirs = si[name][i]
                check(f"{case['model']} {name}[{i}] SALib in refgap's interval", lo <= theirs <= hi, f"{theirs} [{lo}, {hi}]")
        print(f"sobol  {case['model']:9s} N={n:5d} k={k}: max |refgap - SALib| = {worst:.2e}")
        for i, mine in enumerate(case["indices"]):
            print(
                f"    x{i + 1}: S1 {mine['s1']: .6f} (SALib {si['S1'][i]: .6f} +- {si['S1_conf'][i]:.4f}, refgap [{mine['s1_ci'][0]: .4f}, {mine['s1_ci'][1]: .4f}])"
                f"  ST {mine['st']: .6f} (SALib {si['ST'][i]: .6f} +- {si['ST_conf'][i]:.4f}, refgap [{mine['st_ci'][0]: .4f}, {mine['st_ci'][1]: .4f}])"
            )

    for case in doc["morris"]:
        k, levels = case["k"], case["levels"]
        x = np.array(case["points"])
        y = np.array(case["y"])
        si = salib_morris.analyze(problem(k), x, y, num_resamples=200, num_levels=levels, seed=1)
        worst = 0.0
        for i, mine in enumerate(case["indices"]):
            for key in ("mu", "mu_star", "sigma"):
                worst = max(worst, close(f"{case['model']} morris p={levels} {key}[{i}]", mine[key], float(si[key][i])))
        print(f"morris {case['model']:9s} r={case['r']:3d} k={k} p={levels}: max |refgap - SALib| = {worst:.2e}")

    print(f"salib: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
