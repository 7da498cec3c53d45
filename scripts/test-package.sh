#!/usr/bin/env bash
# The crate as published: `cargo package`, then the unpacked package's own
# build and tests (unit, integration, doc), so that nothing they need is
# left out by the manifest's `exclude`.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(realpath "${CARGO_TARGET_DIR:-target}")
version=$(cargo pkgid | sed 's/.*[#@]//')
# --allow-dirty: a developer's work tree; CI's clone is clean anyway.
cargo package -q --allow-dirty --no-verify
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
# -m: the files dated now, not the package's fixed 2006 date, which would make
# cargo reuse what the persistent target directory built from older sources.
tar -xmzf "$target_dir/package/nsclone-$version.crate" -C "$unpacked"
cd "$unpacked/nsclone-$version"
echo "--- cargo test in the unpacked nsclone-$version"
CARGO_TARGET_DIR="$target_dir/package/target" cargo test --no-fail-fast
