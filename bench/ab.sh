#!/usr/bin/env bash
# A/B: two lint-manifests binaries on the same folders, alternating runs, /usr/bin/time each.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY [FOLDER...]    (RUNS=3; default folders: monorepo 1,000 and 10,000)
#
# Build the old binary from another commit with e.g.
#   git worktree add /tmp/base 063cd15 && cargo build --release --manifest-path /tmp/base/Cargo.toml
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; shift 2
RUNS=${RUNS:-3}
FOLDERS=("$@")
[ ${#FOLDERS[@]} -eq 0 ] && FOLDERS=(target/monorepo-1000 target/monorepo-10000)
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| folder | binary | wall (s), median of $RUNS | user (s) | sys (s) | max RSS (MB) |"
echo "|---|---|---|---|---|---|"
for folder in "${FOLDERS[@]}"; do
    declare -A res=()
    for _ in $(seq "$RUNS"); do
        for which in A B; do
            bin=$A; [ $which = B ] && bin=$B
            /usr/bin/time -f "%e %U %S %M" -o /tmp/ab.$$ "$bin" --format concise "$folder" >/dev/null 2>&1 || true
            res[$which]+="$(tail -1 /tmp/ab.$$);"  # after "Command exited with non-zero status"
        done
    done
    for which in A B; do
        label=before; [ $which = B ] && label=after
        python3 - "$folder" "$label" "${res[$which]}" <<'PY'
import statistics, sys
runs = [list(map(float, r.split())) for r in sys.argv[3].split(";") if r.strip()]
med = lambda i: statistics.median(r[i] for r in runs)
print(f"| {sys.argv[1]} | {sys.argv[2]} | {med(0):.2f} | {med(1):.2f} | {med(2):.2f} | {max(r[3] for r in runs) / 1024:.0f} |")
PY
    done
done
rm -f /tmp/ab.$$
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
