#!/bin/sh
# Creates a venv with crossplane 0.5.8 (once) and runs compare-crossplane.py with the given
# arguments. VENV overrides the venv location (default: target/crossplane-venv).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/../target/crossplane-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet crossplane==0.5.8
fi
exec "$venv/bin/python" "$here/compare-crossplane.py" "$@"
