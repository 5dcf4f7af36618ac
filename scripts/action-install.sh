#!/usr/bin/env bash
# Build the lint-manifests binary for the GitHub Action into $BIN_DIR (cached by the action).
set -euo pipefail
: "${ACTION_PATH:?}" "${BIN_DIR:?}"
mkdir -p "$BIN_DIR"
cargo build --release --locked --manifest-path "$ACTION_PATH/Cargo.toml" --target-dir "$BIN_DIR/target"
cp "$BIN_DIR/target/release/lint-manifests" "$BIN_DIR/lint-manifests"
rm -rf "$BIN_DIR/target"
