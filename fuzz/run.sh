#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer's coverage instrumentation on stable Rust, then fuzzes
# one target for SECONDS (default 60) from its corpus, and prints the executions done.
#
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]   # TARGET: load | pipeline
#   fuzz/run.sh build                                           # build only
#
# The corpus fuzz/corpus/TARGET (or $CORPUS) grows in place (a later run resumes from it); new crashes land
# in fuzz/artifacts/TARGET; the log is fuzz/logs/TARGET-DATE.log. Run long sessions as
#   nohup nice -n 19 fuzz/run.sh load 3600 >/dev/null 2>&1 &
set -euo pipefail
cd "$(dirname "$0")"

# Stable-Rust equivalent of `cargo fuzz build --sanitizer none`: SanitizerCoverage's inline
# 8-bit counters, PC table and comparison tracing for libFuzzer, and `cfg(fuzzing)`. The target
# triple is explicit so these flags reach only the fuzzed code, not build scripts.
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="$PWD/target"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"

target="${1:?usage: fuzz/run.sh TARGET|build [SECONDS] [libFuzzer flags...]}"
shift
cargo build --locked --release --target "$TRIPLE" --bins
[ "$target" = build ] && exit 0

seconds="${1:-60}"
[ $# -gt 0 ] && shift
bin="$CARGO_TARGET_DIR/$TRIPLE/release/$target"
[ -x "$bin" ] || { echo "no fuzz target $target" >&2; exit 2; }

corpus="${CORPUS:-corpus/$target}"
mkdir -p "$corpus" "artifacts/$target" logs
# An empty corpus starts from the seeds of scenarios/ and tests/fixtures/.
if [ -z "$(ls -A "$corpus")" ]; then ./seeds.sh "$corpus"; fi
# Folders of CSV tables left by fuzzers that are gone (each process owns /dev/shm/refgap-fuzz-PID).
for d in /dev/shm/refgap-fuzz-*; do
  [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
done

log="logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "fuzzing $target for ${seconds}s; log $log" >&2
status=0
"$bin" "$corpus" -dict=scenario.dict -max_total_time="$seconds" -max_len=16384 \
  -timeout=10 -rss_limit_mb=2048 -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
  "$@" >"$log" 2>&1 || status=$?
for d in /dev/shm/refgap-fuzz-*; do
  [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
done
grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" || true
grep -E '==[0-9]+== ERROR|^SUMMARY|deadly signal|Test unit written' "$log" || true
echo "exit status $status; log $log"
exit "$status"
