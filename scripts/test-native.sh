#!/usr/bin/env bash
# Tiers 1 and 2: unit, integration and doc tests on this machine's kernel
# (x86_64). Namespace tests need root for their privileged half; run as a
# normal user they report the privileged parts as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "--- cargo test (default features, the no_std library)"
cargo test --no-fail-fast

echo "--- the kernel lines on this kernel ($(uname -r)): each feature's side"
cargo test -q --test kernel_lines -- --nocapture 2>&1 | grep '^kernel'

echo "--- cargo test --all-features (std conversions): lib and doc tests"
cargo test --no-fail-fast --all-features --lib
cargo test --no-fail-fast --all-features --doc

# Its own package: nsclone with feature `std` beside rustix, the crate's
# integration tests with `std` (a plain --all-features test cannot build nsrun).
echo "--- tests/interop: nsclone's descriptors with rustix and std"
if ((EUID != 0)); then
    echo "SKIPPED tests/interop namespace parts: they join namespaces; run as root"
fi
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/interop" \
    cargo test --no-fail-fast --manifest-path tests/interop/Cargo.toml

echo "--- examples"
if ((EUID == 0)); then
    bash scripts/test-examples.sh
else
    echo "SKIPPED examples: they create namespaces; run as root"
fi

echo "--- the crate as published (cargo package, then its own tests)"
bash scripts/test-package.sh
