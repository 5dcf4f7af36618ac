#!/usr/bin/env bash
# End-to-end numbers for bench/results.md: throughput on the generated monorepos (100, 1,000,
# 10,000 apps), linear growth 1,000 -> 10,000, peak memory, and the pre-commit single-file run.
#
#   bench/measure.sh            # RUNS=10 by default (hyperfine), MEM_RUNS=3 (/usr/bin/time -v)
#
# Generates target/monorepo-N with bench/gen-monorepo.py when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
MEM_RUNS=${MEM_RUNS:-3}
LM=${LM:-target/release/lint-manifests}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -x "$LM" ] || cargo build --release >&2
for n in 100 1000 10000; do
    [ -f "target/monorepo-$n/README.md" ] || python3 bench/gen-monorepo.py "$n" "target/monorepo-$n" >&2
done
size() { find "$1" -type f -name '*.yaml' -print0 | xargs -0 cat | wc -c; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| repo | files | input (MB) | mean wall (s) | min wall (s) | MB/s (mean) | MB/s (best run) | CPU user+sys (s) |"
echo "|---|---|---|---|---|---|---|---|"
for n in 100 1000 10000; do
    dir=target/monorepo-$n
    bytes=$(size "$dir")
    runs=$RUNS; [ "$n" = 10000 ] && runs=$(( RUNS < 5 ? RUNS : 5 ))
    hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$OUT/e2e-$n.json" \
        "$LM --format concise $dir" >&2
    python3 - "$OUT/e2e-$n.json" "$bytes" "$n" "$(find "$dir" -type f -name '*.yaml' | wc -l)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
b = int(sys.argv[2]) / 1e6
print(f"| monorepo-{sys.argv[3]} | {sys.argv[4]} | {b:.1f} | {r['mean']:.3f} ± {r['stddev'] or 0:.3f} | {r['min']:.3f} | {b / r['mean']:.1f} | {b / r['min']:.1f} | {r['user'] + r['system']:.2f} |")
PY
done
python3 - "$OUT/e2e-1000.json" "$OUT/e2e-10000.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]
b = json.load(open(sys.argv[2]))["results"][0]
print()
print(f"growth 1,000 -> 10,000 apps (10x input): mean {b['mean'] / a['mean']:.2f}x, best run {b['min'] / a['min']:.2f}x (linear: 10x; within 15%: <= 11.5x)")
PY
echo
echo "peak memory (/usr/bin/time -v, $MEM_RUNS runs, max RSS):"
echo
echo "| repo | input (MB) | max RSS (MB) per run | RSS / input |"
echo "|---|---|---|---|"
for n in 1000 10000; do
    dir=target/monorepo-$n
    bytes=$(size "$dir")
    rss=()
    for _ in $(seq "$MEM_RUNS"); do
        /usr/bin/time -v -o "$OUT/mem-$n.time" "$LM" --format concise "$dir" >/dev/null 2>&1 || true
        rss+=("$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}' "$OUT/mem-$n.time")")
    done
    python3 - "$bytes" "$n" "${rss[@]}" <<'PY'
import sys
b = int(sys.argv[1]); n = sys.argv[2]; rss = [int(x) * 1024 for x in sys.argv[3:]]
print(f"| monorepo-{n} | {b / 1e6:.1f} | {', '.join(f'{r / 1e6:.0f}' for r in rss)} | {min(rss) / b:.1f}x - {max(rss) / b:.1f}x |")
PY
done
echo
echo "pre-commit style: one Service file named, run at the root of the 100-app repo (a git"
echo "repository, so the whole repo is the context: every file is read and parsed, links are"
echo "resolved across it, nginx is parsed where it can change findings in the named file):"
echo
repo=target/monorepo-100
[ -d "$repo/.git" ] || git -C "$repo" init -q
abs_lm=$(cd "$(dirname "$LM")" && pwd)/$(basename "$LM")
file=apps/app-00001/k8s/service.yaml
(cd "$repo" && hyperfine -N -i --warmup 5 --runs $((RUNS * 5)) --export-json "$OUT/single.json" \
    -n "service.yaml, repo as context (pre-commit)" "$abs_lm --format concise $file" \
    -n "service.yaml alone (--no-context)" "$abs_lm --format concise --no-context $file" \
    -n "whole repo (lint-manifests .)" "$abs_lm --format concise ." >&2)
python3 - "$OUT/single.json" <<'PY'
import json, sys
print("| run | mean (ms) | min (ms) | median (ms) |")
print("|---|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {r['mean'] * 1e3:.1f} ± {(r['stddev'] or 0) * 1e3:.1f} | {r['min'] * 1e3:.1f} | {r['median'] * 1e3:.1f} |")
PY
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
