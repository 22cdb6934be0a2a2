#!/usr/bin/env python3
"""Helper of benches/compare.sh (standard library only).

  compare.py time OUT.json -- CMD ARGS...
      Runs CMD as a child process and writes {"seconds": wall time on a monotonic clock,
      "cpu_seconds": the child's user + system CPU time, "returncode": ...} to OUT.json; CMD's
      stdout/stderr pass through. Exits with CMD's code.

  compare.py report WORKDIR ROUNDS TRIALS PEER_TRIALS [NAME]
      Reads WORKDIR/r{1..ROUNDS}/{refgap.time.json, peer.time.json, peer.json} and
      WORKDIR/r1/refgap/NAME/rates.csv (NAME: the results folder, i.e. the scenario's name,
      default bench100); checks that refgap and the peer agree on every rate (exit 1 if not) and
      prints the speed figures: refgap's whole process against the peer's whole process and
      against the peer's bare simulation loop ("seconds" in peer.json).
"""

import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time

# The measures compared: the ten the peer must produce, plus identified and protected_in_time
# (the peer reports them too; protected_in_time checks the clock, i.e. the delay laws).
MEASURES = ("unidentified", "closed", "lost", "dropped", "misclassified", "stalled",
            "protected", "returned", "reintegrated", "completed", "identified", "protected_in_time")

# Agreement threshold on the two-sample z statistic. With 12 cohorts x 12 measures = 144
# comparisons (about 120 for the ten required measures), a two-sided |z| > 4.5 has probability
# 6.8e-6 per comparison under the null (same model), so by the union (Bonferroni) bound the whole
# check fails by chance with probability below 144 x 6.8e-6 = 1e-3 per run (bench100; run100's
# 4 cohorts give 48 comparisons, below 3.3e-4); the measures are
# positively correlated (e.g. protected and completed), which only makes the bound conservative.
# A real model difference of a fraction of a percentage point, on 1e6 trials per side
# (standard error of a difference ~0.07 points at p = 0.5), still shows up as |z| well above 4.5.
Z_MAX = 4.5


def cmd_time(out, cmd):
    cpu_before = os.times()
    began = time.monotonic()
    rc = subprocess.run(cmd).returncode
    seconds = time.monotonic() - began
    cpu_after = os.times()
    cpu = (cpu_after.children_user - cpu_before.children_user
           + cpu_after.children_system - cpu_before.children_system)
    with open(out, "w") as f:
        json.dump({"seconds": seconds, "cpu_seconds": cpu, "returncode": rc}, f)
    return rc


def load(path):
    with open(path) as f:
        return json.load(f)


def refgap_rates(path):
    """{(cohort, measure): (count, trials)} from rates.csv, baseline variant, group all."""
    out = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["group"] == "all" and row["variant"] == "baseline" and row["count"] != "":
                out[(row["cohort"], row["measure"])] = (int(row["count"]), int(row["trials"]))
    return out


def z_stat(c1, n1, c2, n2):
    p1, p2 = c1 / n1, c2 / n2
    var = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    if var == 0:
        return 0.0 if p1 == p2 else math.inf
    return (p1 - p2) / math.sqrt(var)


def spread(xs):
    return f"median {statistics.median(xs):>12,.0f}   min {min(xs):>12,.0f}   max {max(xs):>12,.0f}"


def range_of(xs, fmt="{:.2f}"):
    return f"median {fmt.format(statistics.median(xs))} (range {fmt.format(min(xs))}-{fmt.format(max(xs))})"


def cmd_report(work, rounds, trials, peer_trials, name="bench100"):
    rounds, trials, peer_trials = int(rounds), int(trials), int(peer_trials)

    # (a) Agreement, on round 1 (refgap's results are identical in every round: compare.sh checks).
    ref = refgap_rates(f"{work}/r1/refgap/{name}/rates.csv")
    peer = load(f"{work}/r1/peer.json")
    rows, worst = [], (0.0, None)
    for cohort, counts in peer["cohorts"].items():
        for measure in MEASURES:
            if measure not in counts or (cohort, measure) not in ref:
                continue
            c1, n1 = ref[(cohort, measure)]
            c2, n2 = counts[measure], peer["trials"]
            z = z_stat(c1, n1, c2, n2)
            rows.append((cohort, measure, c1 / n1, c2 / n2, z))
            if abs(z) >= abs(worst[0]):
                worst = (z, (cohort, measure))
    missing = [c for c in peer["cohorts"] if not any(r[0] == c for r in rows)]
    ref_cohorts = {c for c, _ in ref}
    if missing or ref_cohorts != set(peer["cohorts"]) or not rows:
        print(f"FAIL: cohorts differ between refgap ({sorted(ref_cohorts)}) and the peer ({sorted(peer['cohorts'])})")
        return 1
    bad = [r for r in rows if not abs(r[4]) < Z_MAX]
    cohorts = len(peer["cohorts"])

    print()
    print(f"Agreement (round 1): {len(rows)} comparisons (cohort x measure), refgap {trials:,} vs "
          f"peer {peer_trials:,} trials per cohort, threshold |z| < {Z_MAX}")
    for cohort, measure, p1, p2, z in sorted(rows, key=lambda r: -abs(r[4]))[:5]:
        print(f"  {cohort:<36} {measure:<18} refgap {p1:.5f}  peer {p2:.5f}  z {z:+.2f}")
    z, (cohort, measure) = worst
    print(f"  largest |z| = {abs(z):.2f} ({cohort}, {measure})")

    # (b) Speed.
    ref_tps, peer_tps, peer_sim_tps = [], [], []
    ref_cpu_tps, peer_cpu_tps, peer_sim_cpu_tps = [], [], []
    for r in range(1, rounds + 1):
        ref_time = load(f"{work}/r{r}/refgap.time.json")
        peer_time = load(f"{work}/r{r}/peer.time.json")
        ref_tps.append(cohorts * trials / ref_time["seconds"])
        peer_tps.append(cohorts * peer_trials / peer_time["seconds"])
        if ref_time.get("cpu_seconds") and peer_time.get("cpu_seconds"):
            ref_cpu_tps.append(cohorts * trials / ref_time["cpu_seconds"])
            peer_cpu_tps.append(cohorts * peer_trials / peer_time["cpu_seconds"])
        p = load(f"{work}/r{r}/peer.json")
        peer_sim_tps.append(cohorts * p["trials"] / p["seconds"])
        if p.get("cpu_seconds"):
            peer_sim_cpu_tps.append(cohorts * p["trials"] / p["cpu_seconds"])
    print()
    print(f"Speed over {rounds} interleaved round(s), trials/s (= {cohorts} cohorts x trials / seconds), single core:")
    print(f"  refgap, whole process     {spread(ref_tps)}")
    print(f"  peer,   whole process     {spread(peer_tps)}")
    print(f"  peer,   simulation only   {spread(peer_sim_tps)}")
    ratio = statistics.median(ref_tps) / statistics.median(peer_tps)
    ratio_sim = statistics.median(ref_tps) / statistics.median(peer_sim_tps)
    print(f"  ratio refgap/peer (medians): {ratio:.2f}x vs the peer's whole process, "
          f"{ratio_sim:.2f}x vs its simulation only")
    # The same ratios round by round: both programs of a round ran back to back, so under a
    # varying machine load a round's ratio is steadier than either program's rate.
    per_round = [a / b for a, b in zip(ref_tps, peer_tps)]
    per_round_sim = [a / b for a, b in zip(ref_tps, peer_sim_tps)]
    print()
    print(f"Whole-process ratio (refgap whole process / peer whole process, trials/s): {ratio:.2f}x "
          f"of the medians; per round {range_of(per_round)}")
    print(f"Whole run vs bare loop (refgap whole process, one thread, CSV output and gap included / "
          f"peer simulation loop only): {ratio_sim:.2f}x of the medians; per round {range_of(per_round_sim)}")
    # CPU time is less sensitive than wall time to other processes sharing the cores (but leaves
    # out what refgap waits for: its fsyncs).
    if ref_cpu_tps:
        print()
        print("The same on CPU time (user + system) instead of wall time, trials/s:")
        print(f"  refgap, whole process     {spread(ref_cpu_tps)}")
        print(f"  peer,   whole process     {spread(peer_cpu_tps)}")
        ratio_cpu = statistics.median(ref_cpu_tps) / statistics.median(peer_cpu_tps)
        line = f"  whole-process ratio {ratio_cpu:.2f}x"
        if len(peer_sim_cpu_tps) == len(ref_cpu_tps):
            print(f"  peer,   simulation only   {spread(peer_sim_cpu_tps)}")
            ratio_sim_cpu = statistics.median(ref_cpu_tps) / statistics.median(peer_sim_cpu_tps)
            line += f", whole run vs bare loop {ratio_sim_cpu:.2f}x (ratios of the medians)"
        print(line)
    print("  Note: refgap's run also estimates a second, perfect-communication arm for every trial (for")
    print("  the referral gap: at a trial's first failed attempt or degraded file, the exact probability")
    print("  of completing from there is looked up), tallies every breakdown (entry, country, times,")
    print("  hops, channels) and writes all")
    print("  its tables; the peer simulates one arm, keeps overall counts and writes nothing.")
    print("  The ratio therefore understates refgap's speed.")
    if peer_trials != trials:
        print(f"  Note: the peer ran {peer_trials:,} trials per cohort, refgap {trials:,}.")

    print()
    if bad:
        print(f"FAIL: {len(bad)} rate(s) disagree (|z| >= {Z_MAX}):")
        for cohort, measure, p1, p2, z in bad:
            print(f"  {cohort:<36} {measure:<18} refgap {p1:.5f}  peer {p2:.5f}  z {z:+.2f}")
        return 1
    print(f"OK: all {len(rows)} rates agree (largest |z| {abs(worst[0]):.2f} < {Z_MAX}).")
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "time" and argv[3] == "--":
        return cmd_time(argv[2], argv[4:])
    if len(argv) in (6, 7) and argv[1] == "report":
        return cmd_report(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
