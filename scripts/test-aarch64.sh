#!/usr/bin/env bash
# Tier 3: the test suite built for aarch64 and run under qemu-user through the
# runner in .cargo/config.toml, which sets NSCLONE_QEMU_USER=1 so that tests
# needing CLONE_NEW* (rejected by qemu-user) report themselves skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in aarch64-linux-gnu-gcc qemu-aarch64-static; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing: run scripts/install-deps.sh" >&2
        exit 1
    }
done

# One test at a time: qemu-user emulates fork inside a multithreaded process,
# and a fork while another guest thread runs can deadlock qemu itself.
# A hang fails the tier instead of stalling CI.
timeout 900 cargo test --no-fail-fast --target aarch64-unknown-linux-gnu -- --test-threads=1
