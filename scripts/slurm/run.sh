#!/bin/bash
# run.sh: a refgap run on a Slurm cluster, start to finish. Submits the job array of N shards
# (refgap-array.sbatch, beside this script), waits for it, submits the missing or failed shards
# once more, and merges the shards into OUT/<name>, byte for byte what one machine writes.
#
#   scripts/slurm/run.sh SCENARIO N OUT [refgap run options]
#
# Environment: REFGAP (refgap's path, default `refgap` on PATH), REFGAP_COMMAND (`run`, the
# default, or `uncertainty` to shard the sampled worlds of an uncertainty run), SBATCH_OPTIONS (more sbatch
# options, e.g. "--partition=short --time=02:00:00"). Run it from where SCENARIO and OUT are
# meant (the array tasks start in the same folder). Exits 1 if shards are still missing after
# the second round, naming them.
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SCENARIO N OUT [refgap run options]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
refgap=${REFGAP:-refgap}
scenario=$1 shards=$2 out=$3
shift 3
# refgap names the results after the scenario file, or the folder of a scenario.toml.
if [ -d "$scenario" ]; then
  name=$(basename "$(cd "$scenario" && pwd)")
elif [ "$(basename "$scenario" .toml)" = scenario ]; then
  name=$(basename "$(cd "$(dirname "$scenario")" && pwd)")
else
  name=$(basename "$scenario" .toml)
fi
[ "${REFGAP_COMMAND:-run}" = uncertainty ] && name=$name-uncertainty
dir="$out/$name-shards"
todo="0-$((shards - 1))"
for round in 1 2; do
  echo "round $round: submitting shards $todo of $shards"
  # --wait returns when every task has ended; its exit status is the highest of the tasks',
  # which the missing list below makes unnecessary to read.
  # shellcheck disable=SC2086
  sbatch --wait --parsable ${SBATCH_OPTIONS:-} --array="$todo" "$here/refgap-array.sbatch" \
    "$scenario" "$shards" "$out" "$@" || true
  todo=$("$refgap" missing "$dir" --shards "$shards" --quiet)
  [ -z "$todo" ] && break
done
if [ -n "$todo" ]; then
  echo "shards still missing after two rounds: $todo (see the refgap-*.out files)" >&2
  exit 1
fi
exec "$refgap" merge "$dir" --out "$out"
