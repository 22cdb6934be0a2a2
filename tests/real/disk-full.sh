#!/usr/bin/env bash
# A results folder on a full disk (issue 12): a run (and an uncertainty run) fails with a message naming the file,
# exits non-zero, leaves the earlier result intact and no staging folder behind.
# Needs root (it mounts a small tmpfs); .ci/run runs it. Usage: tests/real/disk-full.sh REFGAP
set -euo pipefail
refgap=$(realpath "$1")
cd "$(dirname "$0")/../.."
mnt=$(mktemp -d)
mount -t tmpfs -o size=256k tmpfs "$mnt"
trap 'umount "$mnt"; rmdir "$mnt"' EXIT

"$refgap" run scenarios/minimal.toml --trials 1000 -q --out "$mnt"
before=$(sha256sum "$mnt"/minimal/* | sha256sum)
# Fill the disk, leaving less room than a result needs.
dd if=/dev/zero of="$mnt/filler" bs=1k count=1000 2>/dev/null || true
set +e
"$refgap" run scenarios/minimal.toml --trials 2000 -q --out "$mnt" 2>"$mnt.err"
status=$?
set -e
err=$(cat "$mnt.err"); rm -f "$mnt.err"
fail() { echo "disk-full: FAILED: $*"; echo "stderr: $err"; ls -la "$mnt"; exit 1; }
[ "$status" -ne 0 ] || fail "the run exited 0 on a full disk"
# A full disk is a failure a retry may cure (space is freed): EX_TEMPFAIL, for schedulers.
[ "$status" -eq 75 ] || fail "the run exited $status, not 75 (transient failure)"
grep -q "No space left on device" <<<"$err" || fail "the message does not say the disk is full"
grep -q "cannot write" <<<"$err" || fail "the message does not name what could not be written"
[ "$(sha256sum "$mnt"/minimal/* | sha256sum)" = "$before" ] || fail "the earlier result changed"
leftovers=$(ls -A "$mnt" | grep -v -x -e minimal -e filler || true)
[ -z "$leftovers" ] || fail "left behind: $leftovers"

# An uncertainty run streams its large tables into the staging folder while the worlds are
# evaluated (issue 14): on the full disk it fails naming the file and leaves nothing behind.
set +e
"$refgap" uncertainty scenarios/talibe.toml --design lhs --samples 64 -q --out "$mnt" 2>"$mnt.err"
status=$?
set -e
err=$(cat "$mnt.err"); rm -f "$mnt.err"
[ "$status" -ne 0 ] || fail "the uncertainty run exited 0 on a full disk"
grep -q "No space left on device" <<<"$err" || fail "the uncertainty message does not say the disk is full"
grep -q "cannot write .*outcomes.csv" <<<"$err" || fail "the uncertainty message does not name the table"
leftovers=$(ls -A "$mnt" | grep -v -x -e minimal -e filler || true)
[ -z "$leftovers" ] || fail "the uncertainty run left behind: $leftovers"
echo "disk-full: 2 passed, 0 failed"
