#!/usr/bin/env bash
# Compares refgap with its numpy speed peer (benches/peers/refgap_numpy.py) on a benchmark
# scenario (default benches/scenarios/bench100.toml): checks that both give the same rates
# (within sampling noise) and measures their speed on one core, interleaved over ROUNDS rounds.
# Speed figures: refgap's whole process (one thread, CSV output and gap included) against the
# peer's whole process, and against the peer's bare simulation loop ("seconds" in its JSON).
#
#   benches/compare.sh                          # defaults: SCENARIO=bench100, ROUNDS=5, TRIALS=1000000
#   SCENARIO=run100 benches/compare.sh          # the whole-run workload (issue 17)
#   TRIALS=100000 ROUNDS=2 benches/compare.sh   # quick
#
# Environment: SCENARIO (a name under benches/scenarios/, e.g. bench100 or run100, or a path to a
# scenario TOML the peer supports; default bench100), ROUNDS (default 5), TRIALS (trials per
# cohort for refgap, default 1000000),
# PEER_TRIALS (for the peer, default TRIALS), PEER_SEED (default 1; round r uses PEER_SEED+r-1),
# PYTHON (interpreter used to create the venv, default python3), KEEP=1 keeps the work folder.
# Exit code: 0 when all rates agree, 1 when some disagree, other on errors.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
TRIALS="${TRIALS:-1000000}"
PEER_TRIALS="${PEER_TRIALS:-$TRIALS}"
PEER_SEED="${PEER_SEED:-1}"
PYTHON="${PYTHON:-python3}"
SCENARIO="${SCENARIO:-bench100}"
if [[ ! -f "$SCENARIO" ]]; then
    SCENARIO="$ROOT/benches/scenarios/$SCENARIO.toml"
fi
if [[ ! -f "$SCENARIO" ]]; then
    echo "compare.sh: no scenario file $SCENARIO (SCENARIO= takes a name under benches/scenarios/ or a path)" >&2
    exit 2
fi
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/peer-venv"
HELPER="$ROOT/benches/peers/compare.py"
PEER="$ROOT/benches/peers/refgap_numpy.py"

# 1. The peer's environment: a venv with numpy, created only if missing.
if ! "$VENV/bin/python" -c 'import numpy' >/dev/null 2>&1; then
    echo "== creating $VENV with numpy"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check numpy
fi

# 2. refgap.
echo "== cargo build --release"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/refgap-compare.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "== work folder (kept): $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi
# A private copy of the binary: the build folder is shared, so another build must not swap it
# between rounds.
cp "$TARGET/release/refgap" "$WORK/refgap"
REFGAP="$WORK/refgap"

# 3. Interleaved rounds, each program timed as a whole process on a monotonic clock.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== $SCENARIO"
echo "== $ROUNDS round(s): refgap $TRIALS and peer $PEER_TRIALS trials per cohort, one thread each"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
for ((r = 1; r <= ROUNDS; r++)); do
    dir="$WORK/r$r"
    mkdir -p "$dir"
    python3 "$HELPER" time "$dir/refgap.time.json" -- \
        "$REFGAP" run "$SCENARIO" --trials "$TRIALS" --threads 1 --quiet --out "$dir/refgap"
    python3 "$HELPER" time "$dir/peer.time.json" -- \
        "$VENV/bin/python" "$PEER" "$SCENARIO" --trials "$PEER_TRIALS" --seed $((PEER_SEED + r - 1)) \
        >"$dir/peer.json"
    printf '   round %d: refgap %.2f s, peer %.2f s (of which its simulation loop %.2f s)\n' "$r" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$dir/refgap.time.json")" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$dir/peer.time.json")" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$dir/peer.json")"
    # The results folder refgap made (named after the scenario).
    if ((r == 1)); then
        shopt -s nullglob
        made=("$dir"/refgap/*/rates.csv)
        shopt -u nullglob
        if ((${#made[@]} != 1)); then
            echo "FAIL: expected one results folder with rates.csv under $dir/refgap"
            exit 2
        fi
        NAME="$(basename "$(dirname "${made[0]}")")"
    fi
    # refgap's results depend only on (scenario, seed, trials): every round must match round 1.
    if ! cmp -s "$WORK/r1/refgap/$NAME/rates.csv" "$dir/refgap/$NAME/rates.csv"; then
        echo "FAIL: refgap's rates.csv of round $r differs from round 1 (same scenario, seed, trials)"
        exit 1
    fi
done

echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# 4. Agreement and speed figures.
python3 "$HELPER" report "$WORK" "$ROUNDS" "$TRIALS" "$PEER_TRIALS" "$NAME"
