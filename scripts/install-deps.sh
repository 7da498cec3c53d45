#!/usr/bin/env bash
# Installs what the test tiers need on a fresh Debian 12 machine with rustup:
# the aarch64 and riscv64 cross linkers and libcs, qemu-user and
# qemu-system, the pinned toolchain and its targets. Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    gcc-aarch64-linux-gnu   # linker for aarch64-unknown-linux-gnu
    libc6-dev-arm64-cross   # aarch64 crt files, libc and ld.so (qemu -L /usr/aarch64-linux-gnu)
    gcc-riscv64-linux-gnu   # linker for riscv64gc-unknown-linux-gnu
    libc6-dev-riscv64-cross # riscv64 crt files, libc and ld.so (qemu -L /usr/riscv64-linux-gnu)
    qemu-user-static        # the aarch64 and riscv64 test runners
    qemu-system-x86         # the VM tier (scripts/test-vm.sh): x86_64 machines
    qemu-system-arm         # aarch64 machines
    qemu-system-misc        # riscv64 machines
    opensbi                 # riscv64 machines' firmware
    cpio                    # the VMs' initramfs
    xz-utils                # the x86_64 kernel's vmlinux, for a direct (PVH) boot
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    echo "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "apt: ${APT_PACKAGES[*]} already installed"
fi

# The toolchain pinned in rust-toolchain.toml (RUSTUP_AUTO_INSTALL=0 on CI
# means nothing installs it implicitly).
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
installed=$(rustup toolchain list)
if ! grep -q "^${channel}-" <<<"$installed"; then
    echo "rustup: installing toolchain ${channel}"
    rustup toolchain install "$channel" --profile minimal -c rustfmt -c clippy
fi
rustup component add --toolchain "$channel" rustfmt clippy
# gnu for the qemu-user test tiers; the musl targets for static binaries (.cargo/config.toml).
rustup target add --toolchain "$channel" \
    aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu aarch64-unknown-linux-musl x86_64-unknown-linux-musl

qemu-aarch64-static --version | head -n1
aarch64-linux-gnu-gcc --version | head -n1
riscv64-linux-gnu-gcc --version | head -n1
rustc --version
