#!/usr/bin/env bash
# Formatting, clippy and rustdoc, all warnings as errors, for the host and for
# aarch64 (checking needs no cross linker), with and without feature `std`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "--- cargo fmt --check"
cargo fmt --all --check
cargo fmt --check --manifest-path fuzz/Cargo.toml

for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
    for features in --no-default-features --all-features; do
        echo "--- clippy $target $features"
        cargo clippy --target "$target" $features --all-targets -- -D warnings
        echo "--- rustdoc $target $features"
        RUSTDOCFLAGS="-D warnings" cargo doc --target "$target" $features --no-deps
    done
done
