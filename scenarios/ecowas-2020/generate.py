#!/usr/bin/env python3
"""How scenarios/ecowas-2020/{authorities,channels}.csv were generated, class by class.

    python3 scenarios/ecowas-2020/generate.py scenarios/ecowas-2020   # rewrites both tables

The tables it writes are byte-identical to the committed ones; edit the classes here (and the
README table that gives their basis) rather than the CSV files by hand, or the two will part.
Every number here is an assumption anchored on docs/SOURCES.md; the README of the scenario
lists the classes and their basis.
"""
import csv
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "."

ECOWAS = ["BEN", "BFA", "CPV", "CIV", "GMB", "GHA", "GIN", "GNB", "LBR", "MLI", "NER",
          "NGA", "SEN", "SLE", "TGO", "MRT"]

# Country class for in-country referral (SOURCES §6.3 / §6.4):
#  A = NRM/SOPs in use, referral of (nearly) all identified reported (NGA, GHA)
#  B = written procedures or NRM, unevenly applied (SEN, BFA, SLE, GMB, TGO, LBR, NER; BEN adults)
#  C = no NRM/SOP in 2020 (CIV, MLI, GIN, GNB, CPV, MRT)
CLASS = {"NGA": "A", "GHA": "A", "BEN": "B", "SEN": "B", "BFA": "B", "SLE": "B", "GMB": "B",
         "TGO": "B", "LBR": "B", "NER": "B", "CIV": "C", "MLI": "C", "GIN": "C", "GNB": "C",
         "CPV": "C", "MRT": "C"}
# First-referral quality (identifying agency -> service provider) and retries per class.
Q = {"A": 0.93, "B": 0.78, "C": 0.57}
RETRIES = {"A": 1, "B": 0, "C": 0}
FID = {"A": 0.95, "B": 0.85, "C": 0.75}          # in-country file fidelity per class
# BEN: child-victim SOPs since Feb 2019 [T-BEN19, T-BEN20] -> class A for children only.
BEN_CHILD_Q = 0.9
# Government <-> NGO quality: low-medium [T-LBR17, T-TGO19, T-GHA22]; GIN no NGO support [T-GIN20].
GOV_NGO = {c: 0.5 for c in ECOWAS}
GOV_NGO.update({"NGA": 0.7, "GHA": 0.6, "LBR": 0.3, "GIN": 0.35, "TGO": 0.45})
# Coordination body state in 2020 (SOURCES §6.1, §2 table).
COORD = {"BFA": "dormant", "CIV": "dormant", "TGO": "dormant", "MRT": "dormant",
         "NGA": "agency", "GMB": "agency", "NER": "agency",
         "GHA": "functioning", "SLE": "functioning", "LBR": "functioning"}
COORD_Q = {"dormant": 0.15, "weak": 0.4, "functioning": 0.6, "agency": 0.75}
# Government shelters that existed ~2020 (SOURCES §2.1, §6.1).
GOV_SHELTER = {"NGA", "BEN", "GHA", "SEN", "BFA", "GMB", "NER", "CPV", "CIV", "LBR", "SLE"}
# Formal in-country channels (an NRM or written SOPs in 2020, SOURCES §2 table).
FORMAL_IN = {"NGA", "GHA", "SEN", "BFA", "LBR", "SLE", "TGO"}

# Identification at entry points.
POLICE_ID = {c: 0.3 for c in ECOWAS}
POLICE_ID.update({"GHA": 0.55, "BEN": 0.6, "GIN": 0.45, "CIV": 0.5, "NGA": 0.4, "MRT": 0.1})
BORDER_ID = {c: 0.3 for c in ECOWAS}
BORDER_ID.update({"GHA": 0.5, "TGO": 0.45, "GNB": 0.45, "BFA": 0.35})
LABOUR_ID = {c: 0.08 for c in ECOWAS}
LABOUR_ID.update({"CIV": 0.03})
COORD_ID = {"NGA": 0.55, "GMB": 0.4, "NER": 0.4}
IOM_PROTECTS = {"NER", "MRT", "GNB", "NGA"}     # IOM dominant (SOURCES §6.1)
# Origin consulate -> origin returnee reception (consulate's own follow-through).
CONSULATE_HOME = {c: 0.85 for c in ECOWAS}
CONSULATE_HOME.update({"NGA": 0.9})              # formal procedures for victims abroad [T-NGA19]
# Reintegration after return: ~0.6-0.65 coverage (IOM Nigeria 64 %) [X20, X21]; MRT 84 % [X17].
REINT_Q = {c: 0.78 for c in ECOWAS}
REINT_Q.update({"MRT": 0.97})
NO_PROSECUTOR_REFERRAL = {"GIN", "GNB"}          # intended structural hole (no procedure, §2)
NO_CONSULATE_FOLLOWUP = {"GNB"}                  # intended hole: returns done by an IO without government [T-GNB23]

auth = []   # dicts
chan = []


def A(id, country, kind, identification=None, provides=(), assist=None, dropout=None, close=None):
    auth.append(dict(id=id, country=country, kind=kind, identification=identification,
                     provides=";".join(provides), assist_incomplete=assist,
                     dropout_per_day=dropout, close=close))


def gamma(mean, shape=2.0):
    return "{ gamma = { mean = %g, shape = %g } }" % (mean, shape)


def logn(median, sigma):
    return "{ lognormal = { median = %g, sigma = %g } }" % (median, sigma)


def C(frm, to, quality, delay, fidelity=None, weight=None, retries=None, victims=None, age=None,
      any_origin=None, formal=None, id=None, movement=None):
    chan.append(dict(id=id or "", **{"from": frm}, to=to, quality=quality, delay=delay,
                     fidelity=fidelity, weight=weight, retries=retries, when_victims=victims,
                     when_age=age, any_origin=any_origin, formal=formal, movement=movement))


ids = set()


def has(i):
    return i in ids


# ------------------------------------------------------------------ ECOWAS + MRT authorities
for c in ECOWAS:
    cls = CLASS[c]
    st = COORD.get(c, "weak")
    A(f"{c}.coordination", c, "coordination", COORD_ID.get(c), (), None, 0.003,
      0.05 if COORD.get(c) == "agency" else 0.1)
    A(f"{c}.police", c, "police", POLICE_ID[c], (), None, 0.005, 0.05)
    A(f"{c}.border", c, "border", BORDER_ID[c], (), None, 0.005, 0.05)
    A(f"{c}.labour", c, "labour", LABOUR_ID[c], (), None, 0.005, 0.1)
    A(f"{c}.social", c, "social", 0.5, ("protection",), 0.8, 0.002, 0.1)
    if c in GOV_SHELTER:
        A(f"{c}.shelter", c, "shelter", 0.6, ("protection",), 0.8, 0.0025, 0.15)
    A(f"{c}.ngo", c, "ngo", 0.5, ("protection",), 0.8, 0.0025, 0.15)
    A(f"{c}.prosecutor", c, "prosecutor", None, (), None, 0.003,
      0 if c in NO_PROSECUTOR_REFERRAL else 0.5)
    A(f"{c}.iom", c, "intl_org", 0.6, ("protection",) if c in IOM_PROTECTS else (), 0.7, 0.002, 0.2)
    A(f"{c}.consulate", c, "consulate", None, (), None, 0.003,
      0 if c in NO_CONSULATE_FOLLOWUP else 0.05)
    A(f"{c}.reception", c, "social", None, ("protection", "return"), 0.7, 0.002, 0.15)
    A(f"{c}.reintegration", c, "ngo", None, ("reintegration",), 0.8, None, 1.0)

# ------------------------------------------------------------------ other countries
A("LBY.border", "LBY", "border", 0.1, (), None, 0.01, 0.2)          # detention / interceptions
A("LBY.iom", "LBY", "intl_org", 0.4, ("protection",), 0.7, 0.003, 0.1)
A("ITA.police", "ITA", "police", 0.3, (), None, 0.01, 0.1)
A("ITA.ngo", "ITA", "ngo", 0.55, ("protection",), 0.7, 0.01, 0.4)   # [I3] girls went missing
A("ITA.iom", "ITA", "intl_org", None, (), None, 0.004, 0.1)
A("FRA.police", "FRA", "police", 0.4, (), None, 0.005, 0.2)          # OCRTEH
A("FRA.ngo", "FRA", "ngo", 0.5, (), None, 0.008, 0.3)                # associations
A("FRA.shelter", "FRA", "shelter", None, ("protection",), 0.6, 0.004, 0.6)   # Ac.Sé network
A("FRA.coordination", "FRA", "coordination", None, (), None, None, 1.0)     # MIPROF
A("KWT.police", "KWT", "police", 0.15, (), None, 0.01, 0.2)
A("KWT.shelter", "KWT", "shelter", None, ("protection",), 0.5, 0.004, 0.4)
A("LBN.ngo", "LBN", "ngo", 0.4, ("protection",), 0.6, 0.005, 0.4)

ids = {a["id"] for a in auth}

# ------------------------------------------------------------------ in-country channels
for c in ECOWAS:
    cls = CLASS[c]
    q, r, f = Q[cls], RETRIES[cls], FID[cls]
    g = GOV_NGO[c]
    formal = True if c in FORMAL_IN else None
    st = COORD.get(c, "weak")
    cq = COORD_Q[st]
    shelter = f"{c}.shelter" if has(f"{c}.shelter") else None
    fast = gamma(2)
    # police
    if c == "BEN":
        C("BEN.police", "BEN.social", BEN_CHILD_Q, fast, 0.9, 1, 1, age="child", formal=True)
        C("BEN.police", "BEN.shelter", BEN_CHILD_Q, fast, 0.9, 1, 1, age="child", formal=True,
          id="BEN.police->BEN.shelter (child SOP)")
        C("BEN.police", "BEN.shelter", q, fast, f, 1, r, age="adult")
    else:
        C(f"{c}.police", f"{c}.social", q, fast, f, 1, r, age="child", formal=formal)
        if shelter:
            C(f"{c}.police", shelter, q, fast, f, 1, r, formal=formal,
              age="child" if c == "SEN" else None)
    C(f"{c}.police", f"{c}.ngo", g, gamma(3), f, 0.5 if shelter else 1, r)
    C(f"{c}.police", f"{c}.prosecutor", 0.9, gamma(7), 0.9, 0.15, 0)
    if st == "agency":   # NAPTIP / NAATIP / ANLTP investigate and take cases over
        C(f"{c}.police", f"{c}.coordination", max(cq, q), gamma(5), f, 1.0, r)
    else:
        C(f"{c}.police", f"{c}.coordination", cq, gamma(5), f, 0.15, 0)
    # SEN 2020: of 129 foreign adults, 87 waited for their embassy, 42 went to an IO [T-SEN21]
    C(f"{c}.police", f"{c}.iom", 0.6, gamma(5), f, 1.0 if c == "SEN" else 0.3, 0, victims="foreign")
    # border
    C(f"{c}.border", f"{c}.police", 0.85, gamma(1), 0.9, 0.5, 0)
    C(f"{c}.border", f"{c}.social", q if c != "BEN" else BEN_CHILD_Q, fast, f, 1, r, age="child",
      formal=True if (formal or c == "BEN") else None)
    C(f"{c}.border", f"{c}.ngo", g, gamma(3), f, 0.5, r)
    if shelter:
        C(f"{c}.border", shelter, q, fast, f, 1, r, formal=formal, age="child" if c == "SEN" else None)
    C(f"{c}.border", f"{c}.iom", 0.6, gamma(5), f, 0.3, 0, victims="foreign")
    # labour inspection
    C(f"{c}.labour", f"{c}.social", q if c != "BEN" else BEN_CHILD_Q, gamma(3), f, 1, r, age="child",
      formal=True if (formal or c == "BEN") else None)
    C(f"{c}.labour", f"{c}.police", 0.7, gamma(5), 0.9, 0.5, 0)
    # social services
    if shelter:
        C(f"{c}.social", shelter, 0.8, fast, 0.9, 0.2, 0)
    C(f"{c}.social", f"{c}.ngo", g, gamma(3), f, 0.2, 0)
    C(f"{c}.social", f"{c}.reception", 0.85, gamma(7), 0.9, 0.5, 0, victims="national", formal=formal)
    C(f"{c}.social", f"{c}.iom", 0.6, gamma(7), f, 0.3, 0, victims="foreign")
    # government shelter
    if shelter:
        C(shelter, f"{c}.social", 0.8, fast, 0.9, 0.2, 0)
        C(shelter, f"{c}.reception", 0.85, gamma(7), 0.9, 0.5, 0, victims="national", formal=formal)
        C(shelter, f"{c}.iom", 0.6, gamma(7), f, 0.3, 0, victims="foreign")
    # NGO
    C(f"{c}.ngo", f"{c}.social", g, gamma(3), f, 0.3, 0)
    if shelter:
        C(f"{c}.ngo", shelter, g, gamma(3), f, 0.2, 0)
    C(f"{c}.ngo", f"{c}.reception", 0.85, gamma(7), 0.9, 0.5, 0, victims="national")
    C(f"{c}.ngo", f"{c}.iom", 0.6, gamma(7), f, 0.5, 0, victims="foreign")
    # coordination body
    C(f"{c}.coordination", shelter or f"{c}.ngo", max(cq, q) if st == "agency" else cq, gamma(4), f, 1,
      r if st == "agency" else 0)
    C(f"{c}.coordination", f"{c}.social", max(cq, q) if st == "agency" else cq, gamma(4), f, 0.5,
      r if st == "agency" else 0, age="child")
    # prosecutor (criminal track)
    if c not in NO_PROSECUTOR_REFERRAL:
        C(f"{c}.prosecutor", f"{c}.social", q * 0.6, gamma(10), f, 1, 0)
    # IOM office
    C(f"{c}.iom", f"{c}.social", 0.6, gamma(3), 0.9, 0.3, 0, age="child")
    C(f"{c}.iom", f"{c}.ngo", 0.6, gamma(3), 0.9, 0.3, 0)
    C(f"{c}.iom", f"{c}.reception", 0.8, gamma(7), 0.9, 1, 0, victims="national")
    # consulate network -> home reception
    if c not in NO_CONSULATE_FOLLOWUP:
        C(f"{c}.consulate", f"{c}.reception", CONSULATE_HOME[c], gamma(5), 0.8, 1, 0,
          formal=True if c == "NGA" else None)
    # reception -> reintegration
    C(f"{c}.reception", f"{c}.reintegration", REINT_Q[c], gamma(21, 2), 0.9, 1, 0)

# ------------------------------------------------------------------ cross-border: WAN + bilateral
# WAN child channel among all 16 child-protection directorates [W2-W4]: formal, child, medium, slow.
for a in ECOWAS:
    for b in ECOWAS:
        if a != b:
            C(f"{a}.social", f"{b}.reception", 0.5, logn(28, 0.45), 0.85, 1, 1, age="child",
              formal=True, id=f"WAN {a}->{b}")
# Bilateral child agreements with standing bodies (SOURCES §6.2) [B1-B6, E5]: medium, slow.
for a, b in [("MLI", "CIV"), ("MLI", "SEN"), ("MLI", "BFA"), ("BFA", "CIV"), ("BEN", "NGA")]:
    for x, y in [(a, b), (b, a)]:
        C(f"{x}.social", f"{y}.reception", 0.6, logn(24, 0.35), 0.9, 2, 1, age="child",
          formal=True, id=f"bilateral {x}->{y}")

# ------------------------------------------------------------------ cross-border: consular + IOM
# Corridor pairs (destination, origin) with a modelled flow (SOURCES §3).
PAIRS = [("CIV", "BFA"), ("MLI", "BFA"), ("CIV", "MLI"),
         ("SEN", "GNB"), ("SEN", "GIN"), ("SEN", "GMB"), ("SEN", "MLI"), ("SEN", "SLE"),
         ("NGA", "TGO"), ("NGA", "BEN"),
         ("GHA", "NGA"), ("CIV", "NGA"), ("MLI", "NGA"), ("BFA", "NGA"), ("SEN", "NGA"),
         ("NER", "NGA")]
CONS_Q, CONS_DELAY, CONS_FID = 0.35, logn(20, 0.6), 0.7
for d, o in PAIRS:
    cons = f"{o}.consulate"
    C(f"{d}.police", cons, CONS_Q, CONS_DELAY, CONS_FID,
      2 if (d, o) == ("SEN", "SLE") else 0.5, 1)
    C(f"{d}.ngo", cons, CONS_Q, CONS_DELAY, CONS_FID, 1, 1)
    if has(f"{d}.shelter"):
        C(f"{d}.shelter", cons, CONS_Q, CONS_DELAY, CONS_FID, 1, 1)
    C(f"{d}.social", cons, CONS_Q, CONS_DELAY, CONS_FID, 0.3, 1)
    # IOM return (programme-based: formal) [X20, X21, X13; T-GNB23 for SEN->GNB]
    C(f"{d}.iom", f"{o}.reception", 0.7 if (d, o) == ("SEN", "GNB") else 0.6, logn(40, 0.5),
      0.9, 1, 1, formal=True)

# ------------------------------------------------------------------ Europe leg (corridor 5)
# The onward movement to Libya, the sea crossing and the secondary movement to France are the
# victims' own journey, not referrals: movement = true, so that perfect communication and the
# toolbox practices leave them as they are and the leak map reports them apart.
C("NER.iom", "LBY.iom", 0.3, "{ uniform = { min = 10, max = 40 } }", 0.6, 0.1, 0, age="adult",
  any_origin=True, id="NER.iom->LBY.iom (onward movement)", movement=True)
C("LBY.border", "LBY.iom", 0.4, gamma(10), 0.7, 1, 1, victims="foreign")
C("LBY.iom", "NGA.reception", 0.6, logn(45, 0.5), 0.9, 1, 1, formal=True)
C("LBY.iom", "ITA.ngo", 0.3, "{ uniform = { min = 10, max = 60 } }", 0.5, 0.15, 0, age="adult",
  any_origin=True, id="LBY.iom->ITA.ngo (sea crossing)", movement=True)
C("ITA.police", "ITA.ngo", 0.6, "{ exponential = 3 }", 0.8, 1, 1)
C("ITA.ngo", "ITA.iom", 0.5, gamma(20), 0.85, 1, 1, victims="foreign")
C("ITA.ngo", "FRA.shelter", 0.35, "{ uniform = { min = 5, max = 30 } }", 0.6, 0.3, 0, age="adult",
  any_origin=True, id="ITA.ngo->FRA.shelter (secondary movement)", movement=True)
C("ITA.iom", "NGA.reception", 0.7, logn(45, 0.5), 0.9, 1, 1, formal=True)
C("FRA.police", "FRA.shelter", 0.7, "{ fixed = 2 }", 0.9, 1, 0)
C("FRA.police", "FRA.ngo", 0.7, "{ fixed = 2 }", 0.9, 0.3, 0)
C("FRA.ngo", "FRA.shelter", 0.5, gamma(10), 0.8, 1, 1)
C("FRA.ngo", "FRA.police", 0.7, "{ fixed = 2 }", 0.9, 0.2, 0)
C("FRA.coordination", "FRA.shelter", 0.8, gamma(7), 0.9, 1, 0)
C("FRA.shelter", "NGA.consulate", 0.25, logn(60, 0.7), 0.6, 0.5, 2, victims="foreign")
C("NER.police", "NER.iom", 0.7, gamma(5), 0.9, 1, 0, victims="foreign",
  id="NER.police->NER.iom (transit migrants)")

# ------------------------------------------------------------------ Gulf / Middle East (corridor 8)
for o in ["GMB", "SLE", "MRT"]:
    C("KWT.police", f"{o}.consulate", 0.35, logn(30, 0.7), 0.6, 1, 1)
    C("KWT.shelter", f"{o}.consulate", 0.45, logn(30, 0.7), 0.7, 1, 1)
for o in ["GMB", "SLE"]:
    C("LBN.ngo", f"{o}.consulate", 0.35, logn(30, 0.7), 0.6, 1, 1)
C("KWT.police", "KWT.shelter", 0.5, gamma(3), 0.8, 1, 0, victims="foreign")

# ------------------------------------------------------------------ write


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return ("%.4f" % v).rstrip("0").rstrip(".")
    return str(v)


with open(f"{OUT}/authorities.csv", "w", newline="") as fh:
    cols = ["id", "country", "kind", "identification", "provides", "assist_incomplete",
            "dropout_per_day", "close"]
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(cols)
    for a in auth:
        w.writerow([fmt(a[k]) for k in cols])

seen = set()
with open(f"{OUT}/channels.csv", "w", newline="") as fh:
    cols = ["id", "from", "to", "quality", "delay", "fidelity", "weight", "retries",
            "when_victims", "when_age", "any_origin", "formal", "movement"]
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(cols)
    for ch in chan:
        for end in (ch["from"], ch["to"]):
            assert end in ids, end
        key = ch["id"] or f'{ch["from"]}->{ch["to"]}'
        assert key not in seen, key
        seen.add(key)
        w.writerow([fmt(ch[k]) for k in cols])

print(len(auth), "authorities,", len(chan), "channels", file=sys.stderr)
