#!/usr/bin/env bash
# The GitHub Action's lint step: write SARIF, print `github` annotations, set the outputs.
# Inputs come from the environment (LM_*), outputs go to $GITHUB_OUTPUT. Runs locally too:
# see scripts/test-action.sh.
set -uo pipefail
: "${LM_BIN:?}" "${GITHUB_OUTPUT:?}"
sarif="${LM_SARIF:-lint-manifests.sarif}"
fail_on="${LM_FAIL_ON:-warning}"
read -r -a paths <<< "${LM_PATHS:-.}"
common=()
if [ -n "${LM_CONFIG:-}" ]; then
  common+=(--config "$LM_CONFIG")
fi

# 1. SARIF for code scanning (never fails the step).
"$LM_BIN" "${common[@]}" --format sarif --output "$sarif" --exit-zero "${paths[@]}"
status=$?
if [ "$status" -ne 0 ]; then
  echo "::error title=lint-manifests::could not lint (exit $status)"
  echo "sarif-file=" >> "$GITHUB_OUTPUT"
  echo "findings=0" >> "$GITHUB_OUTPUT"
  echo "failed=true" >> "$GITHUB_OUTPUT"
  exit 0
fi
if [ "${LM_FIX_SUGGESTIONS:-true}" != "true" ]; then
  python3 - "$sarif" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    sarif = json.load(f)
for run in sarif.get("runs", []):
    for result in run.get("results", []):
        result.pop("fixes", None)
with open(path, "w") as f:
    json.dump(sarif, f)
PY
fi

# 2. Annotations on the pull request; the exit code says whether fail-on is reached.
"$LM_BIN" "${common[@]}" --format github --fail-on "$fail_on" "${paths[@]}"
status=$?

findings=$(python3 -c 'import json,sys; print(sum(len(r.get("results", [])) for r in json.load(open(sys.argv[1])).get("runs", [])))' "$sarif")
{
  echo "sarif-file=$sarif"
  echo "findings=$findings"
  if [ "$status" -eq 0 ]; then echo "failed=false"; else echo "failed=true"; fi
} >> "$GITHUB_OUTPUT"
if [ "$status" -ge 2 ]; then
  echo "::error title=lint-manifests::could not lint (exit $status)"
fi
exit 0
