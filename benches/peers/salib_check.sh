#!/usr/bin/env bash
# refgap's sensitivity estimators (src/stats/sensitivity) against SALib's on the same points and
# outputs: see salib_check.py. Makes its own virtualenv under target/salib-venv (PyPI), builds
# and runs examples/sensitivity_dump.rs, then the comparison. Closes with
# `salib: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/salib-venv
# Pinned: the comparison is to rounding, so the peer does not move under it.
packages=(SALib==1.6.0 numpy==2.4.6 scipy==1.17.1)

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import SALib, numpy, scipy" 2>/dev/null; then
  rm -rf "$venv"
  python=python3
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian's python3 lacks the venv module until python3-venv is installed.
    rm -rf "$venv"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python=/usr/bin/python3
      "$python" -m venv "$venv"
    else
      echo "salib_check: python3 -m venv failed; install python3-venv (as root: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi

dump="$(mktemp -d)/sensitivity_dump.json"
trap 'rm -rf "$(dirname "$dump")"' EXIT
cargo run --locked --quiet --profile test --example sensitivity_dump -- "$dump"
"$venv/bin/python" benches/peers/salib_check.py "$dump"
