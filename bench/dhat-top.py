"""Live bytes at DHAT's global peak (t-gmax), grouped by the innermost DEPTH frames of this crate.

    python3 bench/dhat-top.py DHAT_OUT [DEPTH] [ROWS]
"""
import collections
import json
import re
import sys

profile = json.load(open(sys.argv[1]))
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 30
frames = profile["ftbl"]
own = re.compile(r"(lint_manifests::[^ ]*?) \((?:src/)?([^)]*)\)")
live = collections.Counter()
blocks = collections.Counter()
for site in profile["pps"]:
    if not site.get("gb"):
        continue
    names = []
    for i in site["fs"]:
        m = own.search(frames[i])
        if m:
            function = m.group(1).replace("lint_manifests::", "")[:80]
            names.append(f"{function} ({m.group(2).split('/')[-1]})")
            if len(names) == depth:
                break
    key = " <- ".join(names) or "(outside this crate)"
    live[key] += site["gb"]
    blocks[key] += site.get("gbk", 0)
total = sum(live.values())
print(f"live at the peak: {total / 1e6:.2f} MB")
print(f"{'MB':>7} {'share':>6} {'blocks':>8}  allocated in")
for key, size in live.most_common(rows):
    print(f"{size / 1e6:7.2f} {100 * size / total:5.1f}% {blocks[key]:8d}  {key}")
