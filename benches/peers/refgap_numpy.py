#!/usr/bin/env python3
"""refgap_numpy: an independent numpy implementation of the refgap referral model.

A speed and correctness peer for refgap (see README.md in this folder and docs/MODEL.md,
"One trial"). It simulates the same model with its own random numbers: it does not reproduce
refgap's streams, only its probabilities, so results agree with refgap's within sampling noise.

Vectorised over victims and step-synchronous: all live victims of a cohort take each step
together (entry, identification, then rounds of "choose an option / attempt(s) / arrival"),
with boolean masks; victims whose trial has ended are tallied and dropped from the live arrays.

Usage: python3 refgap_numpy.py SCENARIO.toml --trials N --seed S
Prints JSON: {"trials": N, "seconds": S, "cpu_seconds": C, "cohorts": {name: {measure: count, ...}}}
where "seconds" is the simulation time only (wall clock, after parsing and precomputation) and
"cpu_seconds" the process's CPU time over the same stretch.
"""

import os

# Single core: keep any threaded numpy backend to one thread (set before importing numpy).
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse
import json
import sys
import time
import tomllib

import numpy as np

SERVICES = ("protection", "return", "reintegration")
BIT = {s: 1 << i for i, s in enumerate(SERVICES)}  # protection 1, return 2, reintegration 4
ALL_SERVICES = 7

OUTCOMES = ("unidentified", "closed", "lost", "dropped", "misclassified", "stalled")
UNIDENTIFIED, CLOSED, LOST, DROPPED, MISCLASSIFIED, STALLED = range(6)

# Delay laws: code, and two parameters per channel (p1, p2).
FIXED, EXPONENTIAL, GAMMA, LOGNORMAL, UNIFORM = range(5)


# ----------------------------------------------------------------------------------------------
# Scenario


def parse_delay(spec):
    """A delay table -> (law, p1, p2). Default { fixed = 0 }."""
    if spec is None:
        return FIXED, 0.0, 0.0
    if len(spec) != 1:
        raise ValueError(f"delay {spec!r}: exactly one law expected")
    (law, value), = spec.items()
    if law == "fixed":
        return FIXED, float(value), 0.0
    if law == "exponential":
        return EXPONENTIAL, float(value), 0.0
    if law == "gamma":
        return GAMMA, float(value["mean"]), float(value["shape"])
    if law == "lognormal":
        return LOGNORMAL, float(value["median"]), float(value["sigma"])
    if law == "uniform":
        return UNIFORM, float(value["min"]), float(value["max"])
    raise ValueError(f"unknown delay law {law!r}")


def services_mask(names):
    mask = 0
    for s in names:
        mask |= BIT[s]
    return mask


class Model:
    """The scenario as flat numpy arrays, plus per-cohort routing tables."""

    def __init__(self, path):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        for unsupported in ("tables", "intervention", "sweep"):
            if unsupported in doc:
                sys.exit(f"refgap_numpy: [{unsupported}] is not supported by this peer")
        sc = doc.get("scenario", {})
        self.seed = sc.get("seed")
        self.trials = int(sc.get("trials", 100000))
        self.horizon = sc.get("horizon_days")
        self.max_hops = int(sc.get("max_hops", 64))

        auth = doc["authority"]
        self.auth_ids = [a["id"] for a in auth]
        index = {a: i for i, a in enumerate(self.auth_ids)}
        self.auth_country = [a["country"] for a in auth]
        self.identification = np.array([a.get("identification", 0.0) for a in auth], float)
        self.assist = np.array([a.get("assist_incomplete", 0.5) for a in auth], float)
        self.dropout = np.array([a.get("dropout_per_day", 0.0) for a in auth], float)
        self.close = np.array([a.get("close", 0.0) for a in auth], float)
        self.provides = np.array([services_mask(a.get("provides", [])) for a in auth], np.uint8)

        chans = doc.get("channel", [])
        self.ch_from = np.array([index[c["from"]] for c in chans], np.int64)
        self.ch_to = np.array([index[c["to"]] for c in chans], np.int64)
        self.quality = np.array([c.get("quality", 1.0) for c in chans], float)
        self.fidelity = np.array([c.get("fidelity", 1.0) for c in chans], float)
        self.weight = np.array([c.get("weight", 1.0) for c in chans], float)
        self.attempts = np.array([1 + int(c.get("retries", 0)) for c in chans], np.int64)
        delays = [parse_delay(c.get("delay")) for c in chans]
        self.law = np.array([d[0] for d in delays], np.int64)
        self.p1 = np.array([d[1] for d in delays], float)
        self.p2 = np.array([d[2] for d in delays], float)
        self.ch_when = [c.get("when", {}) for c in chans]
        self.ch_any_origin = [bool(c.get("any_origin", False)) for c in chans]

        self.cohorts = [self.plan(c, index) for c in doc["cohort"]]

    def eligible(self, e, origin, age):
        """Is channel e eligible for a victim of this origin and age (docs/MODEL.md, "One trial", step 4)?"""
        src = self.auth_country[self.ch_from[e]]
        dst = self.auth_country[self.ch_to[e]]
        when = self.ch_when[e]
        victims = when.get("victims", "any")
        if victims == "national" and origin != src:
            return False
        if victims == "foreign" and origin == src:
            return False
        if when.get("age", "any") not in ("any", age):
            return False
        # Cross-border rule: into another country only if it is the victim's origin.
        if dst != src and dst != origin and not self.ch_any_origin[e]:
            return False
        return True

    def plan(self, c, index):
        """Precomputed routing for one cohort.

        Options of authority a are options[start[a]:start[a+1]], an option being a channel index
        or -1 (close). Their cumulative probabilities are stored shifted by a, as `a + cum`, so
        that one np.searchsorted over the flat array finds every victim's choice at once:
        a victim at a with uniform u picks the first option whose key exceeds a + u.
        """
        origin, age = c["origin"], c["age"]
        n_auth = len(self.auth_ids)
        out_edges = [[] for _ in range(n_auth)]
        for e in range(len(self.ch_from)):
            out_edges[self.ch_from[e]].append(e)
        start, options, keys = [0], [], []
        for a in range(n_auth):
            ids, weights = [], []
            if self.close[a] > 0:
                ids.append(-1)
                weights.append(self.close[a])
            for e in out_edges[a]:
                if self.eligible(e, origin, age):
                    ids.append(e)
                    weights.append(self.weight[e])
            if ids:
                cum = np.cumsum(weights) / np.sum(weights)
                cum[-1] = 1.0
                options.extend(ids)
                keys.extend(a + cum)
            start.append(len(options))
        entry_at = np.array([index[x["at"]] for x in c["entry"]], np.int64)
        shares = np.array([x["share"] for x in c["entry"]], float)
        # The goal of each entry point (docs/MODEL.md, "Goals by entry point"): its own, else the
        # cohort's, else protection in the origin country and all three abroad.
        goal = np.array([
            services_mask(x["goal"]) if "goal" in x
            else services_mask(c["goal"]) if "goal" in c
            else BIT["protection"] if self.auth_country[a] == origin
            else ALL_SERVICES
            for x, a in zip(c["entry"], entry_at)], np.uint8)
        return {
            "name": c["name"],
            "entry_at": entry_at,
            "entry_p": shares / shares.sum(),
            "goal": goal,
            "start": np.array(start, np.int64),
            "options": np.array(options, np.int64),
            "keys": np.array(keys, float),
        }


# ----------------------------------------------------------------------------------------------
# Simulation


def sample_delay(m, rng, e):
    """One delay per victim, for the channels e (an array), from each channel's law."""
    d = np.empty(e.size)
    law = m.law[e]
    for code in np.unique(law):
        sel = law == code
        k = int(sel.sum())
        p1, p2 = m.p1[e[sel]], m.p2[e[sel]]
        if code == FIXED:
            d[sel] = p1
        elif code == EXPONENTIAL:
            d[sel] = rng.exponential(p1, k)
        elif code == GAMMA:
            d[sel] = rng.gamma(p2, p1 / p2, k)  # mean m, shape k: scale m/k
        elif code == LOGNORMAL:
            d[sel] = p1 * np.exp(p2 * rng.standard_normal(k))
        else:
            d[sel] = rng.uniform(p1, p2, k)
    return d


class Tally:
    """Counts of outcomes and milestones over ended trials."""

    def __init__(self, horizon):
        self.horizon = horizon
        self.outcome = np.zeros(len(OUTCOMES), np.int64)
        self.identified = 0
        self.service = np.zeros(len(SERVICES), np.int64)
        self.completed = 0
        self.protected_in_time = 0

    def end(self, outcome, granted, tprot):
        """Victims with these granted services (bits 0-2) and goals (bits 3-5) and times of
        protection end with `outcome`."""
        self.outcome[outcome] += granted.size
        if outcome != UNIDENTIFIED:
            self.identified += granted.size
        for i in range(len(SERVICES)):
            self.service[i] += np.count_nonzero(granted & (1 << i))
        goal = granted >> 3
        self.completed += np.count_nonzero((granted & goal) == goal)
        if self.horizon is not None:
            self.protected_in_time += np.count_nonzero(tprot <= self.horizon)

    def as_dict(self):
        out = {name: int(self.outcome[i]) for i, name in enumerate(OUTCOMES)}
        out["protected"] = int(self.service[0])
        out["returned"] = int(self.service[1])
        out["reintegrated"] = int(self.service[2])
        out["completed"] = int(self.completed)
        out["identified"] = int(self.identified)
        if self.horizon is not None:
            out["protected_in_time"] = int(self.protected_in_time)
        return out


def simulate_chunk(m, plan, n, rng, tally):
    """n victims of one cohort, all steps synchronous. Live state: v (authority), t (days),
    complete (file), granted (service bits 0-2, and the goal of the entry point in bits 3-5),
    tprot (day of protection, inf if none), hops."""
    # 1. Entry authority from the shares.
    entry = rng.choice(plan["entry_at"].size, n, p=plan["entry_p"])
    v = plan["entry_at"][entry]
    goal = plan["goal"][entry] << 3
    # 2. Identification at the entry point.
    ident = rng.random(n) < m.identification[v]
    tally.end(UNIDENTIFIED, goal[~ident], np.full(n - int(ident.sum()), np.inf))
    v = v[ident]
    k = v.size
    # 3. Day 0, complete file, services of the entry point granted.
    t = np.zeros(k)
    complete = np.ones(k, bool)
    granted = m.provides[v] | goal[ident]
    tprot = np.where(granted & BIT["protection"], 0.0, np.inf)
    hops = 0  # every live victim has made the same number of hops (step-synchronous)

    start, options, keys = plan["start"], plan["options"], plan["keys"]
    n_options = np.diff(start)

    while v.size:
        # 4. Eligible options; none: stalled.
        stalled = n_options[v] == 0
        if stalled.any():
            tally.end(STALLED, granted[stalled], tprot[stalled])
            keep = ~stalled
            v, t, complete, granted, tprot = v[keep], t[keep], complete[keep], granted[keep], tprot[keep]
        # 5. Choose an option with probability proportional to its weight.
        u = rng.random(v.size)
        pick = np.searchsorted(keys, v + u, side="right")
        pick = np.minimum(pick, start[v + 1] - 1)  # guard against v + u rounding up to v + 1
        e = options[pick]
        closing = e < 0
        if closing.any():
            tally.end(CLOSED, granted[closing], tprot[closing])
            keep = ~closing
            v, t, complete, granted, tprot, e = v[keep], t[keep], complete[keep], granted[keep], tprot[keep], e[keep]

        # 6. Attempts along e: delay, dropout while pending, success with quality.
        delivered = np.zeros(v.size, bool)
        dropped = np.zeros(v.size, bool)
        pend = np.arange(v.size)  # victims whose referral is still pending
        attempt = 0
        while pend.size:
            ep = e[pend]
            d = sample_delay(m, rng, ep)
            t[pend] += d
            drop = rng.random(pend.size) < -np.expm1(-m.dropout[v[pend]] * d)
            ok = ~drop & (rng.random(pend.size) < m.quality[ep])
            dropped[pend[drop]] = True
            delivered[pend[ok]] = True
            attempt += 1
            retry = ~drop & ~ok & (attempt < m.attempts[ep])
            pend = pend[retry]
        lost = ~delivered & ~dropped
        for outcome, mask in ((DROPPED, dropped), (LOST, lost)):
            if mask.any():
                tally.end(outcome, granted[mask], tprot[mask])
        v, t, complete, granted, tprot, e = (
            v[delivered], t[delivered], complete[delivered], granted[delivered], tprot[delivered], e[delivered])

        # 7. Fidelity: the file stays complete with probability fidelity(e); move to w.
        complete &= rng.random(v.size) < m.fidelity[e]
        v = m.ch_to[e]
        hops += 1

        # 8. New services at w: granted with a complete file, else with probability
        #    assist_incomplete(w) (one draw per arrival), else misclassified.
        new = m.provides[v] & ~granted
        assisted = complete | (rng.random(v.size) < m.assist[v])
        wanted = new != 0
        grant = wanted & assisted
        granted[grant] |= new[grant]
        protect_now = grant & ((new & BIT["protection"]) != 0)
        tprot[protect_now] = t[protect_now]
        misclassified = wanted & ~assisted
        if misclassified.any():
            tally.end(MISCLASSIFIED, granted[misclassified], tprot[misclassified])
            keep = ~misclassified
            v, t, complete, granted, tprot = v[keep], t[keep], complete[keep], granted[keep], tprot[keep]

        # 9. After max_hops hops: stalled.
        if hops >= m.max_hops and v.size:
            tally.end(STALLED, granted, tprot)
            break


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--trials", type=int, help="victims per cohort (default: the scenario's)")
    ap.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    ap.add_argument("--chunk", type=int, default=1 << 20, help="victims simulated at once (memory bound)")
    args = ap.parse_args()

    m = Model(args.scenario)
    trials = args.trials if args.trials is not None else m.trials
    seed = args.seed if args.seed is not None else m.seed
    rng = np.random.default_rng(seed)

    began, cpu_began = time.perf_counter(), time.process_time()
    result = {}
    for plan in m.cohorts:
        tally = Tally(m.horizon)
        done = 0
        while done < trials:
            n = min(args.chunk, trials - done)
            simulate_chunk(m, plan, n, rng, tally)
            done += n
        result[plan["name"]] = tally.as_dict()
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began

    json.dump({"trials": trials, "seconds": seconds, "cpu_seconds": cpu_seconds, "cohorts": result},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
