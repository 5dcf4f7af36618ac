#!/usr/bin/env bash
# Where the memory is at the peak: valgrind's DHAT on one run, its live bytes at the global peak
# (t-gmax) grouped by the allocating function in this crate.
#
#   bench/heap.sh [FOLDER] [DEPTH]    (default: target/monorepo-1000, 1 frame of this crate)
#
# DHAT sees only malloc, so this builds with `--features system-allocator` (glibc instead of
# mimalloc; live bytes are the same, the allocator's own overhead is not) into target/heap, and
# runs on one thread. Needs valgrind (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
FOLDER=${1:-target/monorepo-1000}
DEPTH=${2:-1}
cargo build --release --features system-allocator --target-dir target/heap >&2
out=$(mktemp)
valgrind --tool=dhat --dhat-out-file="$out" target/heap/release/lint-manifests \
    --format concise --threads 1 "$FOLDER" >/dev/null 2>"$out.log" || true
grep -E "At t-gmax|Total:" "$out.log" | sed 's/^==[0-9]*== //'
python3 bench/dhat-top.py "$out" "$DEPTH"
rm -f "$out" "$out.log"
