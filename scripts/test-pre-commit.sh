#!/usr/bin/env bash
# `pre-commit try-repo` of this project in sample git repos: the hook fails on the files of
# ../shared/scenarios/seed-attached and passes on those of seed-fixed.
#
#   python3 -m venv /tmp/pc && /tmp/pc/bin/pip install 'pre-commit==4.*'
#   PATH=/tmp/pc/bin:$PATH scripts/test-pre-commit.sh
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
shared="$project/../shared/scenarios"
command -v pre-commit >/dev/null || { echo "pre-commit is not installed (pip install 'pre-commit==4.*')"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sample() { # scenario -> a git repo in $work/$1
  local repo="$work/$1"
  mkdir -p "$repo"
  cp -r "$shared/$1/." "$repo/"
  rm -f "$repo/expected.json"
  chmod -R u+w "$repo"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.email=ci@example.com -c user.name=ci commit -qm sample
}

sample seed-attached
sample seed-fixed
cd "$work/seed-attached"
if pre-commit try-repo "$project" lint-manifests --all-files > "$work/attached.log" 2>&1; then
  cat "$work/attached.log"; echo "FAIL: the hook passed on seed-attached"; exit 1
fi
grep -q "GKE002" "$work/attached.log" || { cat "$work/attached.log"; echo "FAIL: findings not shown"; exit 1; }
echo "seed-attached: hook failed with findings, as expected"
cd "$work/seed-fixed"
if ! pre-commit try-repo "$project" lint-manifests --all-files > "$work/fixed.log" 2>&1; then
  cat "$work/fixed.log"; echo "FAIL: the hook failed on seed-fixed"; exit 1
fi
echo "seed-fixed: hook passed"
