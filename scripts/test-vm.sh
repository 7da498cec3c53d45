#!/usr/bin/env bash
# The VM tier: boots a QEMU machine per architecture with a Debian kernel
# and our static runner (tests/vm) as /init, and fails unless every case
# passed and the machine powered itself off. qemu-user cannot create
# namespaces and turns vfork into fork; a machine shows the real thing,
# and the runner is PID 1 as in an init system.
# Usage: scripts/test-vm.sh [x86_64|aarch64|riscv64]...   (default: all three)
# Environment: NSCLONE_VM_CACHE (kernels and busybox; default target/vm-cache),
# NSCLONE_VM_TIMEOUT (seconds per machine; default 600).
set -euo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
((${#arches[@]})) || arches=(x86_64 aarch64 riscv64)
cache=${NSCLONE_VM_CACHE:-target/vm-cache}
limit=${NSCLONE_VM_TIMEOUT:-600}
target_dir=${CARGO_TARGET_DIR:-target}

# The applets the cases' shell scripts use (busybox runs as any of them).
APPLETS=(sh cat grep hostname id sleep touch true wc)

# build ARCH TRIPLE: the runner and nsrun, static, for the architecture.
build() {
    local triple=$1
    cargo build -q --release --target "$triple" --bin nsrun
    CARGO_TARGET_DIR="$(realpath "$target_dir")/vm" \
        cargo build -q --release --target "$triple" --manifest-path tests/vm/Cargo.toml
}

# initramfs ARCH TRIPLE OUT: a gzip'd newc cpio with /init, /bin/nsrun and
# busybox. No device nodes: the kernel's built-in initramfs has /dev/console.
initramfs() {
    local arch=$1 triple=$2 out=$3 root applet
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/tmp" "$root/mnt"
    cp "$target_dir/vm/$triple/release/nsclone-vm-init" "$root/init"
    cp "$target_dir/$triple/release/nsrun" "$root/bin/nsrun"
    cp "$cache/$arch/busybox" "$root/bin/busybox"
    for applet in "${APPLETS[@]}"; do
        ln -s busybox "$root/bin/$applet"
    done
    (cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$out"
    rm -rf "$root"
}

# boot ARCH INITRD LOG ACCEL SECONDS: runs the machine, console to stdout
# and LOG; its exit status.
boot() {
    local arch=$1 initrd=$2 log=$3 accel=$4 seconds=$5 cmd
    local common=(-m 1024 -nographic -no-reboot -net none -kernel "$cache/$arch/kernel" -initrd "$initrd")
    local append='panic=-1 quiet'
    case "$arch" in
        x86_64)
            cmd=(qemu-system-x86_64 -accel "$accel" "${common[@]}" -append "console=ttyS0 $append")
            [[ "$accel" == kvm ]] && cmd+=(-cpu host)
            ;;
        # pauth-impdef: QEMU's cheap pointer-authentication algorithm (the
        # architected one makes TCG several times slower).
        aarch64) cmd=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on "${common[@]}" -append "console=ttyAMA0 $append") ;;
        riscv64) cmd=(qemu-system-riscv64 -M virt "${common[@]}" -append "console=ttyS0 $append") ;;
    esac
    local raw=$log.raw pid status=0 deadline=$((SECONDS + seconds))
    "${cmd[@]}" </dev/null >"$raw" 2>&1 &
    pid=$!
    tail -n +1 -f --pid="$pid" "$raw" | tr -d '\r' &
    # A hard limit, and KVM's emulation failures, which pause the machine
    # instead of ending QEMU.
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)) || grep -q 'KVM internal error' "$raw"; then
            echo "--- stopping the machine (limit ${seconds}s, or a KVM failure)"
            kill "$pid" 2>/dev/null
            break
        fi
        sleep 0.2
    done
    wait "$pid" || status=$?
    wait
    tr -d '\r' <"$raw" >"$log"
    return "$status"
}

# verdict LOG QEMU_STATUS: whether the log shows every case passed and a
# clean power-off.
verdict() {
    local log=$1 status=$2 summary passed failed lines
    summary=$(grep -E '^nsclone-vm: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)
    lines=$(grep -c '^PASS ' "$log" || true)
    if [[ -z "$summary" ]]; then
        echo "no summary line: the runner did not finish (qemu exit $status)"
        return 1
    fi
    read -r passed failed < <(sed -E 's/^nsclone-vm: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$summary")
    if ((failed != 0)) || ((passed != lines)) || grep -q -e '^FAIL ' -e '^PANIC ' "$log"; then
        echo "$failed failed, $passed passed ($lines PASS lines)"
        return 1
    fi
    if ((status != 0)) || ! grep -q 'reboot: Power down' "$log"; then
        echo "the machine did not power off cleanly (qemu exit $status)"
        return 1
    fi
    echo "$passed cases passed"
}

failed=0
report=()
for arch in "${arches[@]}"; do
    case "$arch" in
        x86_64) triple=x86_64-unknown-linux-gnu ;;
        aarch64) triple=aarch64-unknown-linux-gnu ;;
        riscv64) triple=riscv64gc-unknown-linux-gnu ;;
        *)
            echo "unknown architecture '$arch' (x86_64, aarch64, riscv64)" >&2
            exit 2
            ;;
    esac
    echo "=== VM $arch"
    bash scripts/vm-fetch.sh "$arch" "$cache"
    build "$triple"
    initrd="$target_dir/vm/$arch-initramfs.cpio.gz"
    log="$target_dir/vm/$arch-console.log"
    initramfs "$arch" "$triple" "$initrd"
    start=$EPOCHREALTIME
    accel=tcg
    status=0
    if [[ "$arch" == x86_64 && -w /dev/kvm ]]; then
        # KVM where it works; some hosts' KVM fails or hangs on a stock
        # kernel, so a short attempt, then TCG.
        boot "$arch" "$initrd" "$log" kvm 45 || status=$?
        if verdict "$log" "$status" >/dev/null; then
            accel=kvm
        else
            echo "--- KVM did not complete (exit $status); booting again under TCG"
            status=0
        fi
    fi
    if [[ "$accel" == tcg ]]; then
        boot "$arch" "$initrd" "$log" tcg "$limit" || status=$?
    fi
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    if result=$(verdict "$log" "$status"); then
        report+=("$arch ($accel, kernel $(cat "$cache/$arch/kernel.version")): $result in ${secs}s")
    else
        report+=("$arch ($accel, kernel $(cat "$cache/$arch/kernel.version")): FAILED: $result after ${secs}s")
        failed=1
    fi
done
printf '\n=== VM tier\n'
printf '%s\n' "${report[@]}"
exit "$failed"
