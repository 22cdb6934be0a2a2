#!/usr/bin/env bash
# Writes the seed corpus into folder OUT: every bundled scenario (scenarios/*.toml and the
# scenario.toml of each scenarios/*/ folder), every fixture of tests/fixtures/ (valid and
# invalid), every regression fixture of tests/fixtures/fuzz/, and the hand-written seeds of
# fuzz/seeds/, in the targets' input format (fuzz/src/lib.rs): the scenario TOML, then its
# authorities, channels and sweep design tables, each after a line "%%". The table names in the
# scenario are rewritten to the fixed names the targets write (authorities.csv, channels.csv,
# design.csv).
#
#   fuzz/seeds.sh OUT
set -euo pipefail
out="${1:?usage: fuzz/seeds.sh OUT}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
mkdir -p "$out"

# The first table named by `KEY = "x.csv"` or `KEY = ["x.csv", ...]` in scenario file $2.
table() { sed -n "s/^$1 *= *\[\{0,1\} *\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1; }

seed() {
  local toml="$1" name="$2" dir a c d
  dir="$(dirname "$toml")"
  a="$(table authorities "$toml")"
  c="$(table channels "$toml")"
  d="$(table file "$toml")"
  {
    # Fuzz inputs name the fixed files; the `|` delimiter is safe as no table name has one.
    sed -e "${a:+s|\"$a\"|\"authorities.csv\"|g}" -e "${c:+s|\"$c\"|\"channels.csv\"|g}" \
      -e "${d:+s|\"$d\"|\"design.csv\"|g}" "$toml"
    local last=0 i=0 f
    for f in "$a" "$c" "$d"; do
      i=$((i + 1))
      [ -n "$f" ] && [ -f "$dir/$f" ] && last=$i
    done
    i=0
    for f in "$a" "$c" "$d"; do
      i=$((i + 1))
      [ "$i" -gt "$last" ] && break
      printf '\n%%%%\n'
      if [ -n "$f" ] && [ -f "$dir/$f" ]; then cat "$dir/$f"; fi
    done
  } >"$out/$name"
}

for f in "$root"/scenarios/*.toml; do seed "$f" "scenario-$(basename "$f" .toml)"; done
for f in "$root"/scenarios/*/scenario.toml; do seed "$f" "scenario-$(basename "$(dirname "$f")")"; done
for f in "$root"/tests/fixtures/*.toml; do seed "$f" "fixture-$(basename "$f" .toml)"; done
if [ -d "$root/tests/fixtures/fuzz" ]; then
  for f in "$root"/tests/fixtures/fuzz/*.toml; do [ -f "$f" ] && seed "$f" "regression-$(basename "$f" .toml)"; done
fi
for f in "$here"/seeds/*; do [ -f "$f" ] && cp "$f" "$out/hand-$(basename "$f")"; done
echo "$(ls "$out" | wc -l) seeds in $out" >&2
