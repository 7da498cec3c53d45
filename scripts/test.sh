#!/usr/bin/env bash
# Runs every test tier in order: native (x86_64, the real kernel), aarch64
# and riscv64 under qemu-user, whole-system VMs (x86_64, aarch64, riscv64
# machines booting the test runner as PID 1), and a fuzzing smoke run. As root it first
# installs what the tiers need (scripts/install-deps.sh); as another user, a
# tier whose tools are missing is reported as skipped.
# Usage: scripts/test.sh [native|aarch64|riscv64|vm|fuzz]...   (default: all)
set -euo pipefail
here="$(dirname "$0")"

tiers=("$@")
((${#tiers[@]})) || tiers=(native aarch64 riscv64 vm fuzz)

if ((EUID == 0)); then
    bash "$here/install-deps.sh"
fi

# have TOOL...: whether every tool is on PATH.
have() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || return 1
    done
}

for tier in "${tiers[@]}"; do
    echo "=== test tier: $tier"
    case "$tier" in
        native) bash "$here/test-native.sh" ;;
        aarch64 | riscv64)
            if have "$tier-linux-gnu-gcc" "qemu-$tier-static"; then
                bash "$here/test-qemu-user.sh" "$tier"
            else
                echo "SKIPPED $tier tier: needs gcc-$tier-linux-gnu and qemu-user-static (run as root to install)"
            fi
            ;;
        vm)
            if have qemu-system-x86_64 qemu-system-aarch64 qemu-system-riscv64 cpio aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc; then
                bash "$here/test-vm.sh"
            else
                echo "SKIPPED vm tier: needs qemu-system-{x86,arm,misc}, cpio and the cross linkers (run as root to install)"
            fi
            ;;
        fuzz)
            if have cargo-fuzz || ((EUID == 0)); then
                bash "$here/fuzz-smoke.sh"
            else
                echo "SKIPPED fuzz tier: needs cargo-fuzz and a nightly toolchain (run as root to install)"
            fi
            ;;
        *)
            echo "unknown tier '$tier' (native, aarch64, riscv64, vm, fuzz)" >&2
            exit 2
            ;;
    esac
done
