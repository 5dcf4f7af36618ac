#!/usr/bin/env python3
"""Compare lint-manifests' nginx parser with crossplane 0.5.8 on a corpus.

For every file under CORPUS (default: ../shared/corpus/nginx relative to the project root),
parse it with crossplane.parse(path, check_ctx=False, check_args=False, single=True) and with
ours, then compare the directive trees (directive, args, line, nesting; column ignored). A
file crossplane fails on agrees if ours fails too.

Our payload comes from one of:
  --ours-cmd 'CMD {}'   a command printing the payload for file {} (default:
                        'target/release/lint-manifests parse-nginx --single {}')
  --ours-dir DIR        payloads written by `cargo test --test nginx_dump -- --ignored`
                        (DIR/index.json maps each input path to its payload file)

Exit status: 0 when agreement >= --min (default 99), else 1.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

import crossplane


def strip(parsed):
    out = []
    for d in parsed:
        item = {"directive": d["directive"], "line": d["line"], "args": d["args"]}
        if "comment" in d:
            item["comment"] = d["comment"]
        if "block" in d:
            item["block"] = strip(d["block"])
        out.append(item)
    return out


def summarize(payload):
    """(failed, tree) for a single-file payload."""
    cfg = payload["config"][0] if payload.get("config") else {"status": "failed", "parsed": []}
    failed = cfg.get("status") == "failed" or payload.get("status") == "failed"
    return failed, strip(cfg.get("parsed", []))


def first_diff(a, b, path="parsed"):
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        if len(a) != len(b):
            return "%s: %d items (crossplane) vs %d (ours)" % (path, len(a), len(b))
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "crossplane" if k in a else "ours")
            d = first_diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if a != b:
        return "%s: crossplane %r vs ours %r" % (path, a, b)
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    project = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=os.path.join(project, "..", "shared", "corpus", "nginx"))
    ap.add_argument("--ours-cmd", default=os.path.join(project, "target", "release", "lint-manifests") + " parse-nginx --single {}")
    ap.add_argument("--ours-dir")
    ap.add_argument("--min", type=float, default=99.0)
    args = ap.parse_args()

    corpus = os.path.normpath(args.corpus)
    files = []
    for dirpath, _, names in os.walk(corpus):
        for n in names:
            files.append(os.path.join(dirpath, n))
    files.sort()
    index = None
    if args.ours_dir:
        with open(os.path.join(args.ours_dir, "index.json")) as f:
            index = {os.path.normpath(k): v for k, v in json.load(f).items()}

    agree = 0
    for path in files:
        try:
            theirs = crossplane.parse(path, check_ctx=False, check_args=False, single=True)
        except Exception as e:  # crossplane itself crashed: count as failed
            theirs = {"status": "failed", "config": [{"status": "failed", "parsed": [], "errors": [str(e)]}]}
        if index is not None:
            name = index.get(os.path.normpath(path))
            if name is None:
                print("DIFF %s: no payload of ours" % path)
                continue
            with open(os.path.join(args.ours_dir, name)) as f:
                ours = json.load(f)
        else:
            cmd = args.ours_cmd.replace("{}", shlex.quote(path))
            proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)
            try:
                ours = json.loads(proc.stdout)
            except ValueError:
                print("DIFF %s: our command failed (exit %d): %s" % (path, proc.returncode, proc.stderr.strip()[:200]))
                continue
        t_failed, t_tree = summarize(theirs)
        o_failed, o_tree = summarize(ours)
        if t_failed or o_failed:
            if t_failed and o_failed:
                agree += 1
            else:
                errs = (theirs if t_failed else ours)["config"][0].get("errors")
                print("DIFF %s: %s fails, %s parses (%s)" % (
                    path, "crossplane" if t_failed else "ours", "ours" if t_failed else "crossplane", errs))
            continue
        d = first_diff(t_tree, o_tree)
        if d:
            print("DIFF %s: %s" % (path, d))
        else:
            agree += 1
    total = len(files)
    pct = 100.0 * agree / total if total else 100.0
    print("agreement: %d/%d files (%.2f%%)" % (agree, total, pct))
    return 0 if pct >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
