#!/usr/bin/env bash
# Times the regional run as bundled: `refgap run scenarios/ecowas-2020 --threads THREADS --quiet
# --out <fresh folder>` (10^6 trials per cohort, every variant), RUNS times in a row, each under
# `/usr/bin/time -v`, and prints each run's wall time, CPU time and peak memory (max RSS), then
# the median and range of the wall times and the load average before and after.
#
#   benches/regional.sh                     # RUNS=3, THREADS=2
#   RUNS=2 SCENARIO=scenarios/talibe.toml benches/regional.sh
#
# Environment: RUNS (default 3), THREADS (default 2), SCENARIO (default scenarios/ecowas-2020,
# relative to the repository root), ARGS (extra arguments for `refgap run`, e.g. "--trials
# 100000"). Needs GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
SCENARIO="${SCENARIO:-scenarios/ecowas-2020}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ -x /usr/bin/time ]] || { echo "regional.sh: needs GNU time at /usr/bin/time" >&2; exit 2; }

echo "== cargo build --release"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/refgap-regional.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A private copy of the binary: the build folder is shared.
cp "$TARGET/release/refgap" "$WORK/refgap"

cd "$ROOT"
echo "== $RUNS run(s): refgap run $SCENARIO --threads $THREADS --quiet ${ARGS:-}"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
walls=()
for ((r = 1; r <= RUNS; r++)); do
    # shellcheck disable=SC2086 # ARGS is split on purpose
    /usr/bin/time -v -o "$WORK/time$r.txt" \
        "$WORK/refgap" run "$SCENARIO" --threads "$THREADS" --quiet --out "$WORK/out$r" ${ARGS:-}
    rm -rf "$WORK/out$r"
    line="$(python3 - "$WORK/time$r.txt" <<'PY'
import sys
t = {}
for row in open(sys.argv[1]):
    key, _, value = row.strip().rpartition(": ")
    t[key] = value
parts = t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
wall = sum(float(p) * 60 ** i for i, p in enumerate(reversed(parts)))
print(f'{wall:.2f} {float(t["User time (seconds)"]) + float(t["System time (seconds)"]):.2f} '
      f'{int(t["Maximum resident set size (kbytes)"]) / 1024:.0f}')
PY
)"
    read -r wall cpu rss <<<"$line"
    walls+=("$wall")
    printf '   run %d: wall %.2f s, CPU (user + system) %.2f s, max RSS %d MiB\n' "$r" "$wall" "$cpu" "$rss"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
python3 -c 'import statistics, sys; w = [float(x) for x in sys.argv[1:]]; print(f"wall time: median {statistics.median(w):.2f} s (range {min(w):.2f}-{max(w):.2f}) over {len(w)} run(s)")' "${walls[@]}"
