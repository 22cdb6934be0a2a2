#!/usr/bin/env bash
# The report page in a real browser (issue 16): renders `report.html` of every bundled scenario
# (and of an `exact`, an `uncertainty` and a `transfer` folder) in headless Chromium, and checks, with
# report_browser_check.py: no console error or uncaught exception, every expected chart in the
# DOM with a non-empty drawing, the page's numbers equal to the CSVs' (every number cell of the
# tables below the charts, and every heat-map cell), a screenshot that is not blank. Installs Debian's `chromium` when
# missing (as root) and Pillow in a virtualenv under target/. With REPORT_SCREENSHOTS=DIR, keeps
# the screenshots there (how docs/report/ was made).
# Usage: tests/real/report-browser.sh REFGAP
set -euo pipefail
refgap=$(realpath "$1")
cd "$(dirname "$0")/../.."
root=$PWD

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "report-browser: chromium is missing; install it (as root: apt-get install chromium)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

venv=target/report-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import PIL" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pillow==13.0.0
fi

work=$(mktemp -d)
browser_pid=
cleanup() {
  if [ -n "$browser_pid" ]; then kill "$browser_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Runs Chromium headless on a page with the given extra flags, stdout to $2, stderr to $3; waits
# for it by pid (killed by pid on timeout or exit).
browse() {
  local page=$1 out=$2 err=$3; shift 3
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@" "file://$page" >"$out" 2>"$err" &
  browser_pid=$!
  ( sleep 120; kill "$browser_pid" 2>/dev/null ) &
  local watchdog=$!
  wait "$browser_pid" || true
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  browser_pid=
}

run_charts="outcomes milestones gap leak-map top-channels times"
spread="inconsistency-country inconsistency-entry"
"$refgap" run scenarios/minimal.toml scenarios/talibe.toml scenarios/ecowas-2020 scenarios/europe-leg \
  --trials 5000 -q --report --out "$work/results"
"$refgap" exact scenarios/ecowas-2020 -q --out "$work/results"
"$refgap" uncertainty scenarios/talibe.toml --samples 16 -q --out "$work/results"
"$refgap" transfer scenarios/ecowas-2020 --samples 16 -q --out "$work/results"
"$refgap" report -q "$work/results/ecowas-2020-exact" "$work/results/talibe-uncertainty" \
  "$work/results/ecowas-2020-transfer"

declare -A charts=(
  [minimal]="$run_charts"
  [talibe]="$run_charts $spread practices"
  [ecowas-2020]="$run_charts $spread practices"
  [europe-leg]="$run_charts $spread"
  [ecowas-2020-exact]="outcomes milestones gap practices top-channels leak-map"
  [talibe-uncertainty]="gains rank-acceptability plausible sensitivity"
  [ecowas-2020-transfer]="transfer-completed transfer-best transfer-protected transfer-gap"
)
passed=0 failed=0
for name in minimal talibe ecowas-2020 europe-leg ecowas-2020-exact talibe-uncertainty \
  ecowas-2020-transfer; do
  dir="$work/results/$name"
  browse "$dir/report.html" "$work/$name.dom" "$work/$name.console" --dump-dom
  browse "$dir/report.html" /dev/null "$work/$name.shot.log" --window-size=1000,1800 \
    --screenshot="$work/$name.png"
  cat "$work/$name.shot.log" >>"$work/$name.console"
  # shellcheck disable=SC2086
  if "$venv/bin/python" tests/real/report_browser_check.py "$dir" "$work/$name.dom" \
    "$work/$name.console" "$work/$name.png" ${charts[$name]}; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  if [ -n "${REPORT_SCREENSHOTS:-}" ]; then
    mkdir -p "$REPORT_SCREENSHOTS"
    "$venv/bin/python" -c "
import sys; from PIL import Image
Image.open(sys.argv[1]).convert('RGB').quantize(colors=256).save(sys.argv[2], optimize=True)" \
      "$work/$name.png" "$root/$REPORT_SCREENSHOTS/$name.png"
  fi
done
echo "report-browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
