#!/usr/bin/env bash
# The sharded run on a real Slurm cluster (issue 15): a single-node cluster on loopback runs the
# job array of scripts/slurm/refgap-array.sbatch for a bundled scenario; one running task is
# cancelled with scancel mid-run; `refgap missing` names it; it is submitted again; `refgap
# merge` must then write, byte for byte, the folder a one-machine run writes. The same through
# scripts/slurm/run.sh for a run and for an uncertainty run. Last, a transient failure: one task of
# an array finds its disk (a small tmpfs) full and exits 75; RequeueExit=75 requeues it; the disk
# is freed; the requeued task succeeds, and the merge equals a one-machine run byte for byte.
#
# Needs root. Installs Debian's slurm-wlm and munge when missing (apt-get), starts munged (unless
# one is running), slurmctld and slurmd with their configuration, state, logs and pid files in a
# temporary folder (SLURM_CONF points there: nothing under /etc/slurm is written), and, on exit,
# stops every daemon it started, by PID, and unmounts the tmpfs it mounted. .ci/run runs it.
# Usage: tests/slurm/run.sh REFGAP
set -euo pipefail
refgap=$(realpath "${1:?usage: tests/slurm/run.sh REFGAP}")
cd "$(dirname "$0")/../.."
repo=$(pwd)
export DEBIAN_FRONTEND=noninteractive

if ! dpkg -s slurmctld slurmd slurm-client munge >/dev/null 2>&1; then
  echo "slurm: installing slurm-wlm and munge"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

work=$(mktemp -d /tmp/refgap-slurm.XXXXXX)
chmod 755 "$work"
started=()   # pid files of the daemons this script started
one=         # pid of the one-machine run in the background
stop_all() {
  local i f p
  [ -n "$one" ] && kill "$one" 2>/dev/null
  # Cancel the jobs of this cluster (its own configuration and state: no other jobs are in it)
  # and wait for their steps to end before the daemons go, so no task outlives the test.
  if [ -n "${SLURM_CONF:-}" ] && scontrol ping >/dev/null 2>&1; then
    scancel --quiet --user=root 2>/dev/null
    for _ in $(seq 1 150); do squeue -h 2>/dev/null | grep -q . || break; sleep 0.2; done
  fi
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    f=${started[i]}
    [ -s "$f" ] || continue
    p=$(cat "$f")
    if kill -0 "$p" 2>/dev/null; then
      kill "$p"
      for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    fi
  done
}
fail() {
  echo "slurm: FAILED: $*"
  for log in "$work"/log/*.log "$work"/out/*.out; do
    [ -e "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }
  done
  exit 1
}
full=        # the small tmpfs of the requeue case, unmounted on every exit
unmount_full() {
  [ -n "$full" ] && mountpoint -q "$full" && { umount "$full" 2>/dev/null || umount -l "$full"; }
  return 0
}
trap 'stop_all; unmount_full; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# munge: the key comes with the package; make one if it is missing.
if [ ! -s /etc/munge/munge.key ]; then
  mungekey -c -k /etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  started+=(/run/munge/munged.pid)
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null || fail "munge does not work"

mkdir -p "$work"/{state,spool,log,out,run}
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=refgap-test
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
# no cgroups and no systemd here: /proc-based process tracking, no task confinement
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# array tasks start in waves 1 s apart instead of 3 s
SchedulerParameters=batch_sched_delay=0
# exit code 75 (EX_TEMPFAIL) is refgap's transient failure: requeue the task
RequeueExit=75
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
if scontrol ping >/dev/null 2>&1 || ss -ltn 2>/dev/null | grep -qE ':681[78]\b'; then
  fail "a Slurm daemon is already listening on port 6817 or 6818; stop it first"
fi
/usr/sbin/slurmctld -f "$SLURM_CONF"
started+=("$work/run/slurmctld.pid")
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost
started+=("$work/run/slurmd.pid")
for _ in $(seq 1 100); do sinfo -h -o %t 2>/dev/null | grep -qx idle && break; sleep 0.2; done
sinfo -h -o %t | grep -qx idle || fail "the node did not become idle"
echo "slurm: single-node cluster up ($(sinfo -h -o '%P %t %N'))"

# The run: talibé (3 cohorts, 9 variants), 4 shards. Enough trials that a shard task runs for
# seconds, so that it can be cancelled while it simulates.
scenario=scenarios/talibe.toml
trials=3000000
n=4
out=$work/out
cd "$work/out"
scen=$repo/$scenario
"$refgap" run "$scen" --trials $trials --quiet --out "$work/one" &
one=$!

# Submit the array as a user does; cancel task 2 once its refgap has reserved its shard (the
# temporary .shard-00002.json.* file is made before the simulation starts).
jid=$(REFGAP=$refgap sbatch --parsable --array=0-$((n - 1)) -o "$work/out/refgap-%A_%a.out" \
  "$repo/scripts/slurm/refgap-array.sbatch" "$scen" $n "$out" --trials $trials)
shards=$out/talibe-shards
# (Bounds of these waits are generous: a loaded machine or an unoptimised binary is slower.)
for _ in $(seq 1 6000); do
  compgen -G "$shards/.shard-00002.json.*" >/dev/null && break
  squeue -h -j "$jid" 2>/dev/null | grep -q . || break   # every task ended
  sleep 0.1
done
compgen -G "$shards/.shard-00002.json.*" >/dev/null || fail "task 2 never started"
[ ! -e "$shards/shard-00002.json" ] || fail "task 2 finished before it could be cancelled; raise trials"
scancel "${jid}_2"
echo "slurm: cancelled task ${jid}_2 while it ran"
for _ in $(seq 1 3000); do squeue -h -j "$jid" 2>/dev/null | grep -q . || break; sleep 0.2; done
squeue -h -j "$jid" 2>/dev/null | grep -q . && fail "the array did not end"
grep -q CANCELLED "$work/out/refgap-${jid}_2.out" || fail "task 2 was not cancelled"

missing=$("$refgap" missing "$shards" --shards $n --quiet)
[ "$missing" = 2 ] || fail "refgap missing printed '$missing', expected 2"
echo "slurm: refgap missing -> $missing; submitting it again"
REFGAP=$refgap sbatch --wait --parsable --array="$missing" -o "$work/out/refgap-%A_%a.out" \
  "$repo/scripts/slurm/refgap-array.sbatch" "$scen" $n "$out" --trials $trials >/dev/null \
  || fail "the resubmitted task failed"
[ -z "$("$refgap" missing "$shards" --shards $n --quiet)" ] || fail "shards still missing"
"$refgap" merge "$shards" --out "$out" --quiet || fail "merge failed"

wait "$one" || fail "the one-machine run failed"
one=
diff -r "$work/one/talibe" "$out/talibe" >/dev/null || fail "the merged folder differs from the one-machine run"
echo "slurm: merged $n shards = one-machine run, byte for byte ($(ls "$out/talibe" | wc -l) files)"

# The driver a user runs: submit, wait, resubmit what is missing, merge.
PATH=$(dirname "$refgap"):$PATH "$repo/scripts/slurm/run.sh" "$repo/scenarios/minimal.toml" 3 "$work/driver" \
  --trials 20000 >"$work/driver.log" 2>&1 || { cat "$work/driver.log"; fail "scripts/slurm/run.sh failed"; }
"$refgap" run "$repo/scenarios/minimal.toml" --trials 20000 --quiet --out "$work/one"
diff -r "$work/one/minimal" "$work/driver/minimal" >/dev/null || fail "scripts/slurm/run.sh: the merged folder differs"
echo "slurm: scripts/slurm/run.sh merged 3 shards = one-machine run, byte for byte"

# The same driver for the sampled worlds of an uncertainty run.
PATH=$(dirname "$refgap"):$PATH REFGAP_COMMAND=uncertainty "$repo/scripts/slurm/run.sh" "$scen" 2 "$work/unc" \
  --samples 4 >"$work/unc.log" 2>&1 || { cat "$work/unc.log"; fail "scripts/slurm/run.sh (uncertainty) failed"; }
"$refgap" uncertainty "$scen" --samples 4 --quiet --out "$work/one"
diff -r "$work/one/talibe-uncertainty" "$work/unc/talibe-uncertainty" >/dev/null \
  || fail "uncertainty: the merged folder differs"
echo "slurm: uncertainty, 2 shards through scripts/slurm/run.sh = one-machine run, byte for byte"

# A transient failure requeued by Slurm: task 1 finds its disk full, exits 75 (EX_TEMPFAIL),
# RequeueExit=75 puts it back in the queue, the disk is freed, and the requeued task succeeds.
# The shards go to a small tmpfs. The array is submitted held; tasks 0 and 2 run first and write
# their shards; then a filler file takes every free block and only then is task 1 released.
full=$work/full
mkdir "$full"
mount -t tmpfs -o size=512k tmpfs "$full"
scen=$repo/scenarios/minimal.toml
trials=6000
n=3
shards=$full/minimal-shards
jid=$(REFGAP=$refgap sbatch --parsable --hold --array=0-$((n - 1)) -o "$work/out/refgap-%A_%a.out" \
  "$repo/scripts/slurm/refgap-array.sbatch" "$scen" $n "$full" --trials $trials)
scontrol release "${jid}_0" "${jid}_2"
for _ in $(seq 1 1500); do squeue -h -j "${jid}_0,${jid}_2" 2>/dev/null | grep -q . || break; sleep 0.2; done
[ -e "$shards/shard-00000.json" ] && [ -e "$shards/shard-00002.json" ] || fail "tasks 0 and 2 wrote no shard"
dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null || true   # until the disk is full
scontrol release "${jid}_1"
# A task that exits 75 is requeued at once: PENDING again, Restarts=1, ExitCode=75:0. Slurm then
# delays its restart: once the node has cleaned up after the failed attempt, the requeue sets the
# task's begin time to now + AuthInfo's cred_expire + 1 s (120 + 1 s by default: the launch
# credential of the new attempt must have a later time stamp, in whole seconds, than the revoke of
# the old one) and the task waits with Reason=BeginTime. Wait for that state, free the disk, let
# the clock pass the second in which the state was seen (so the revoke is strictly older) and
# move the begin time to now: the update makes the scheduler start the task at once, where a
# begin time in the future would wait for the next periodic pass (backfill: every 30 s). If the
# update were lost, the wait below still outlasts the two minutes.
info= seen=
for _ in $(seq 1 1500); do
  info=$(scontrol show job "${jid}_1" 2>/dev/null || true)
  seen=$(date +%s)
  grep -qE 'JobState=(COMPLETED|FAILED|CANCELLED)' <<<"$info" && break
  grep -qw 'Restarts=1' <<<"$info" && grep -q 'JobState=PENDING Reason=BeginTime' <<<"$info" && break
  sleep 0.2
done
grep -qw 'Restarts=1' <<<"$info" && grep -q 'JobState=PENDING' <<<"$info" \
  || fail "task 1 was not requeued: $(grep -E 'JobState|Restarts' <<<"$info")"
grep -qw 'ExitCode=75:0' <<<"$info" || fail "task 1 was requeued, but not for exit code 75: $info"
# The first attempt's output (the restart truncates it): refgap's own word that it exited 75.
first=$(cat "$work/out/refgap-${jid}_1.out" 2>/dev/null || true)
grep -q 'No space left on device' <<<"$first" || fail "task 1 did not fail for a full disk: $first"
grep -q 'transient failure.*exit code 75' <<<"$first" || fail "task 1 did not report exit code 75: $first"
[ ! -e "$shards/shard-00001.json" ] || fail "task 1 wrote a shard on a full disk"
echo "slurm: task ${jid}_1 exited 75 on a full disk and was requeued ($(grep -oE 'Reason=[^ ]+' <<<"$info"))"
rm "$full/filler"
while [ "$(date +%s)" -le "$seen" ]; do sleep 0.1; done
scontrol update JobId="${jid}_1" StartTime=now || fail "cannot move the requeued task's begin time"
for _ in $(seq 1 1500); do squeue -h -j "$jid" 2>/dev/null | grep -q . || break; sleep 0.2; done
squeue -h -j "$jid" 2>/dev/null | grep -q . && fail "the requeued task did not end"
info=$(scontrol show job "${jid}_1")
grep -q 'JobState=COMPLETED' <<<"$info" && grep -qw 'Restarts=1' <<<"$info" \
  || fail "the requeued task did not complete: $(grep -E 'JobState|Restarts' <<<"$info")"
[ -z "$("$refgap" missing "$shards" --shards $n --quiet)" ] || fail "requeue: shards still missing"
"$refgap" merge "$shards" --out "$work/requeued" --quiet || fail "requeue: merge failed"
"$refgap" run "$scen" --trials $trials --quiet --out "$work/one-requeue"
diff -r "$work/one-requeue/minimal" "$work/requeued/minimal" >/dev/null \
  || fail "requeue: the merged folder differs from the one-machine run"
unmount_full
echo "slurm: the requeued task succeeded; merged $n shards = one-machine run, byte for byte"
echo "slurm: 4 passed, 0 failed"
