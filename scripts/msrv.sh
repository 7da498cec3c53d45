#!/usr/bin/env bash
# The minimum supported Rust version (`rust-version` in Cargo.toml): installs
# that toolchain with rustup if needed, then checks every target with it.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)
# "1.88" names the 1.88.0 release; rustup wants the full version.
[[ "$msrv" =~ ^[0-9]+\.[0-9]+$ ]] && msrv="$msrv.0"
if ! rustup toolchain list | grep -q "^${msrv}-"; then
    echo "rustup: installing the MSRV toolchain ${msrv}"
    rustup toolchain install "$msrv" --profile minimal
fi
echo "--- cargo +$msrv check --all-targets"
cargo "+$msrv" check --all-targets
echo "--- cargo +$msrv check --lib --all-features"
cargo "+$msrv" check --lib --all-features
