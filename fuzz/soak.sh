#!/usr/bin/env bash
# Fuzzes TARGET until the executions of all its logged runs (fuzz/logs/TARGET-*.log) add up to
# EXECS (default 10^7), in runs of at most CHUNK seconds (default 3600), each resuming from the
# corpus. A run that stops on a finding leaves it in fuzz/artifacts/TARGET and the next run goes
# on. Meant for the background, at the lowest priority:
#
#   nohup nice -n 19 fuzz/soak.sh load >/dev/null 2>&1 &
#   fuzz/soak.sh TARGET count        # prints the executions logged so far, and stops
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/soak.sh TARGET [EXECS|count] [CHUNK]}"
goal="${2:-10000000}"
chunk="${3:-3600}"

done_execs() {
  cat logs/"$target"-*.log 2>/dev/null |
    sed -n 's/^stat::number_of_executed_units: *//p' | awk '{ s += $1 } END { print s + 0 }'
}
if [ "$goal" = count ]; then done_execs; exit 0; fi

while :; do
  n="$(done_execs)"
  echo "$(date -u +%FT%TZ) $target: $n of $goal executions" >>"logs/$target-soak.txt"
  [ "$n" -ge "$goal" ] && break
  ./run.sh "$target" "$chunk" -runs=$((goal - n)) >>"logs/$target-soak.txt" 2>&1 || true
done
