#!/usr/bin/env bash
# Prints, for TARGET, one Markdown table row per logged run (fuzz/logs/TARGET-DATE.log) and the
# total: start (UTC), seconds, executions, executions per second, libFuzzer's last cov: and ft:,
# the corpus (files/size) and how the run ended. For fuzz/RESULTS.md; a run still going shows
# its latest status line.
#
#   fuzz/results.sh TARGET
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/results.sh TARGET}"
echo "| start (UTC) | seconds | executions | exec/s | cov | ft | corpus | end |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
total=0
for log in logs/"$target"-2*.log; do
  start="$(basename "$log" .log)"
  start="${start#"$target"-}"
  last="$(grep -E '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE)' "$log" | tail -n 1 || true)"
  [ -z "$last" ] && continue
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
  if [ -z "$execs" ]; then
    execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")"
    rate="$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")"
    end="running"
  elif grep -q 'Test unit written' "$log"; then
    end="finding: $(sed -n 's/.*Test unit written to //p' "$log" | head -n 1)"
  elif grep -q 'run interrupted' "$log"; then
    end="interrupted"
  else
    end="done"
  fi
  seconds="$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log")"
  [ -z "$seconds" ] && [ "${rate:-0}" -gt 0 ] && seconds=$((execs / rate))
  cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")"
  ft="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")"
  corp="$(sed -nE 's/.*corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")"
  echo "| $start | ${seconds:-?} | $execs | ${rate:-?} | $cov | $ft | $corp | $end |"
  total=$((total + execs))
done
echo "| **total** | | **$total** | | | | | |"
