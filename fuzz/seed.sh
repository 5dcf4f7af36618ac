#!/usr/bin/env bash
# Seed corpora for the fuzz targets from ../shared (the corpus and the incident scenarios).
# Files over 16 KiB are left out: libFuzzer's -max_len follows the largest seed.
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared
max=16384
mkdir -p corpus/yaml corpus/nginx corpus/embedded_nginx corpus/fix_pipeline
small() { find "$@" -type f -size -${max}c; }
i=0
for f in $(small "$shared/corpus" "$shared/scenarios" \( -name '*.yaml' -o -name '*.yml' \)); do
  cp "$f" "corpus/yaml/$(printf %05d $i).yaml"; i=$((i+1))
done
i=0
confs=()
for f in $(small "$shared/corpus" "$shared/scenarios" -name '*.conf'); do
  cp "$f" "corpus/nginx/$(printf %05d $i).conf"
  for style in 0 1 2 3; do
    { printf "\\x0$style"; cat "$f"; } > "corpus/embedded_nginx/$(printf %05d $i)-$style"
  done
  confs+=("$f"); i=$((i+1))
done
# Scenarios: all their manifests as one stream, NUL, their first nginx config.
i=0
for d in "$shared"/scenarios/*/; do
  out="corpus/fix_pipeline/scenario-$i"
  : > "$out"
  for y in $(find "$d" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort); do
    printf -- '---\n' >> "$out"; cat "$y" >> "$out"; printf '\n' >> "$out"
  done
  printf '\0' >> "$out"
  c=$(find "$d" -type f -name '*.conf' | sort | head -1)
  [ -n "$c" ] && cat "$c" >> "$out"
  # The same with Windows line endings.
  sed 's/$/\r/' "$out" > "$out-crlf"
  i=$((i+1))
done
# Corpus manifests paired with corpus nginx configs (a sample, to keep the corpus small).
n=${#confs[@]}
i=0
for f in $(small "$shared/corpus/k8s" \( -name '*.yaml' -o -name '*.yml' \) | sort | awk 'NR % 4 == 0'); do
  out="corpus/fix_pipeline/corpus-$i"
  { cat "$f"; printf '\0'; cat "${confs[$((i % n))]}"; } > "$out"
  i=$((i+1))
done
for t in yaml nginx embedded_nginx fix_pipeline; do
  echo "$t: $(ls corpus/$t | wc -l) seeds"
done
