#!/usr/bin/env bash
# Tier 3: the test suite built for another architecture (aarch64 or riscv64)
# and run under qemu-user through the runner in .cargo/config.toml, which
# sets NSCLONE_QEMU_USER=1 so that tests qemu-user cannot honour (CLONE_NEW*
# flags, clone3, pidfds, vfork) report themselves skipped.
# Usage: scripts/test-qemu-user.sh aarch64|riscv64
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

arch=${1:?usage: scripts/test-qemu-user.sh aarch64|riscv64}
target=$(rust_target "$arch")

for tool in "$arch-linux-gnu-gcc" "qemu-$arch-static"; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing: run scripts/install-deps.sh" >&2
        exit 1
    }
done

# One test at a time: qemu-user emulates fork inside a multithreaded process,
# and a fork while another guest thread runs can deadlock qemu itself.
# A hang fails the tier instead of stalling CI. Not the doc tests: they
# show namespaces for real and have no skips; the native tier runs them.
timeout 900 cargo test --no-fail-fast --target "$target" --tests -- --test-threads=1
