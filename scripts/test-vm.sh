#!/usr/bin/env bash
# The VM tier: QEMU machines with a Debian kernel boot our static binaries as
# /init, per architecture and kernel, three times:
#   runner     tests/vm, the test runner: every case must pass, then it powers off;
#   tiny-init  examples/tiny-init, the static-init example: its report, then power-off;
#   nsrun      nsrun itself as the machine's init, with a PID namespace: the
#              program's line, and nsrun's exit status 7 in the kernel's
#              "Attempted to kill init" (an init that exits panics the kernel).
# qemu-user cannot create namespaces and turns vfork into fork; a machine
# shows the real thing, with our code as PID 1 as in an init system. The
# kernels: Debian 12's 6.1 and Debian 11's 5.10 on x86_64 and aarch64 (the
# oldest long-term kernel our users run, on the far side of most of the
# crate's kernel lines), Debian 13's 6.12 on riscv64; the runner's cases
# state each line and check the side the booted kernel is on.
# Usage: scripts/test-vm.sh [x86_64|aarch64|riscv64]...   (default: all three)
# Environment: NSCLONE_VM_CACHE (kernels and busybox; default target/vm-cache),
# NSCLONE_VM_TIMEOUT (seconds per machine; default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

arches=("$@")
((${#arches[@]})) || arches=(x86_64 aarch64 riscv64)
cache=${NSCLONE_VM_CACHE:-target/vm-cache}
limit=${NSCLONE_VM_TIMEOUT:-600}
target_dir=$(realpath "${CARGO_TARGET_DIR:-target}")
out=$target_dir/vm

# On a fresh machine, root installs what the tier needs (qemu-system, cpio,
# xz, the cross linkers and targets); others are told what is missing.
for tool in qemu-system-x86_64 qemu-system-aarch64 qemu-system-riscv64 cpio xz \
    aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc; do
    command -v "$tool" >/dev/null && continue
    if ((EUID == 0)); then
        bash scripts/install-deps.sh
        break
    fi
    echo "$tool is missing: run scripts/install-deps.sh as root" >&2
    exit 1
done

# releases ARCH: the Debian releases whose kernels ARCH's machines boot
# (scripts/vm-fetch.sh fetches them): 6.1 and 5.10; riscv64 is in neither,
# so 6.12.
releases() {
    case "$1" in
        riscv64) echo trixie ;;
        *) echo bookworm bullseye ;;
    esac
}

# The applets the cases' shell scripts use (busybox runs as any of them).
APPLETS=(sh cat grep hostname id ls readlink sleep touch true wc)

# nsrun's size budget (README "nsrun"): stripped, on every architecture.
NSRUN_BUDGET=24576

# build ARCH TRIPLE: nsrun (checked against its budget), the runner and
# tiny-init, static, for the architecture.
build() {
    local arch=$1 triple=$2 size
    cargo build -q --release --target "$triple" --bin nsrun
    mkdir -p "$out"
    "$(tool_for "$arch" strip)" -o "$out/nsrun-$arch.stripped" "$target_dir/$triple/release/nsrun"
    size=$(stat -c %s "$out/nsrun-$arch.stripped")
    echo "nsrun $arch: $size bytes stripped (budget $NSRUN_BUDGET)"
    if ((size > NSRUN_BUDGET)); then
        echo "error: nsrun for $arch is $size bytes stripped, over its budget of $NSRUN_BUDGET" >&2
        return 1
    fi
    CARGO_TARGET_DIR=$out cargo build -q --release --target "$triple" --manifest-path tests/vm/Cargo.toml
    CARGO_TARGET_DIR=$out cargo build -q --release --target "$triple" --manifest-path examples/tiny-init/Cargo.toml
}

# build_suite ARCH TRIPLE ROOT: the crate's test binaries, static and
# stripped, into ROOT/tests with their names in ROOT/tests/list; the nsrun
# they run and the fuzz corpus they replay at the paths compiled into them.
build_suite() {
    local arch=$1 triple=$2 root=$3 suite=$target_dir/vm-tests strip name kind exe
    strip=$(tool_for "$arch" strip)
    mkdir -p "$root/tests"
    while read -r name kind exe; do
        [[ "$kind" == lib ]] && name=lib
        "$strip" -o "$root/tests/$name" "$exe"
        echo "$name" >>"$root/tests/list"
    done < <(RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR=$suite \
        cargo test -q --no-run --target "$triple" --message-format=json |
        python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["target"]["name"], m["target"]["kind"][0], m["executable"])
')
    mkdir -p "$root$suite/$triple/debug" "$root$PWD/fuzz"
    cp "$suite/$triple/debug/nsrun" "$root$suite/$triple/debug/nsrun"
    cp -r fuzz/corpus "$root$PWD/fuzz/corpus"
}

# initramfs TRIPLE INIT OUT [EXTRA]: a gzip'd newc cpio with INIT as
# /init, TRIPLE's /bin/nsrun and the architecture's $busybox, and the tree
# EXTRA if given.
# No device nodes: the kernel's built-in initramfs has /dev/console.
initramfs() {
    local triple=$1 init=$2 initrd=$3 extra=${4:-} root applet
    root=$(mktemp -d)
    [[ -n "$extra" ]] && cp -a "$extra/." "$root/"
    # mktemp's 0700 would become the machine's /: closed to all but root.
    chmod 755 "$root"
    mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/mnt"
    cp "$init" "$root/init"
    cp "$target_dir/$triple/release/nsrun" "$root/bin/nsrun"
    cp "$busybox" "$root/bin/busybox"
    for applet in "${APPLETS[@]}"; do
        ln -s busybox "$root/bin/$applet"
    done
    (cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$initrd"
    rm -rf "$root"
}

# boot ARCH INITRD LOG ACCEL SECONDS [INIT_ARG]...: runs the machine with
# the kernel in $boots, console to stdout and LOG; its exit status.
# INIT_ARGs go to /init's argv.
boot() {
    local arch=$1 initrd=$2 log=$3 accel=$4 seconds=$5 cmd
    shift 5
    local common=(-m 1024 -nographic -no-reboot -net none -kernel "$boots/kernel" -initrd "$initrd")
    local append='panic=-1 quiet'
    (($#)) && append+=" -- $*"
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

# runner_verdict LOG: every case passed (as many PASS lines as the summary
# counts, no FAIL or PANIC) and the machine powered off.
runner_verdict() {
    local log=$1 summary passed failed lines
    summary=$(grep -E '^nsclone-vm: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)
    lines=$(grep -c '^PASS ' "$log" || true)
    if [[ -z "$summary" ]]; then
        echo "no summary line: the runner did not finish"
        return 1
    fi
    read -r passed failed < <(sed -E 's/^nsclone-vm: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$summary")
    if ((failed != 0)) || ((passed != lines)) || grep -q -e '^FAIL ' -e '^PANIC ' "$log"; then
        echo "$failed failed, $passed passed ($lines PASS lines)"
        return 1
    fi
    expect_lines "$log" 'reboot: Power down' >/dev/null || return 1
    echo "$passed cases passed"
}

# expect_lines LOG TEXT...: every TEXT appears in LOG.
expect_lines() {
    local log=$1 text
    shift
    for text in "$@"; do
        if ! grep -qF -- "$text" "$log"; then
            echo "missing: $text"
            return 1
        fi
    done
    echo "ok"
}

# machine ARCH TRIPLE ACCEL NAME INIT [--extra DIR] CHECK... -- [INIT_ARG]...:
# builds the initramfs (with the tree DIR), boots it with ACCEL on the
# kernel in $boots, checks the log with the command CHECK... (given the log
# first), and adds the result, with the kernel, to the tier's `report` (and
# sets `failed`).
machine() {
    local arch=$1 triple=$2 accel=$3 name=$4 init=$5 check=() args=() extra='' status=0
    local start secs result log initrd kernel
    shift 5
    while (($#)) && [[ "$1" != -- ]]; do
        if [[ "$1" == --extra ]]; then
            extra=$2
            shift 2
            continue
        fi
        check+=("$1")
        shift
    done
    (($#)) && shift
    args=("$@")
    kernel=$(cat "$boots/kernel.version")
    initrd=$out/$arch-$kernel-$name.cpio.gz
    log=$out/$arch-$kernel-$name.log
    initramfs "$triple" "$init" "$initrd" "$extra"
    echo "--- $arch $kernel: $name as /init"
    start=$EPOCHREALTIME
    boot "$arch" "$initrd" "$log" "$accel" "$limit" "${args[@]}" || status=$?
    secs=$(seconds_since "$start")
    if result=$("${check[0]}" "$log" "${check[@]:1}") && ((status == 0)); then
        report+=("$arch $kernel $name ($accel): $result in ${secs}s")
    else
        report+=("$arch $kernel $name ($accel): FAILED: $result (qemu exit $status) after ${secs}s")
        failed=1
    fi
}

# probe_kvm ARCH TRIPLE RUNNER: whether KVM boots the runner here (some
# hosts' KVM fails or hangs on a stock kernel, so a short attempt); the
# console goes to stderr, a line for the report to stdout.
probe_kvm() {
    local arch=$1 triple=$2 runner=$3 status=0 start secs
    initramfs "$triple" "$runner" "$out/kvm-probe.cpio.gz"
    echo "--- $arch: trying KVM" >&2
    start=$EPOCHREALTIME
    boot "$arch" "$out/kvm-probe.cpio.gz" "$out/kvm-probe.log" kvm 45 >&2 || status=$?
    secs=$(seconds_since "$start")
    if ((status == 0)) && runner_verdict "$out/kvm-probe.log" >/dev/null; then
        echo "$arch KVM probe: works (${secs}s)"
    else
        echo "--- KVM did not complete (qemu exit $status): TCG from here" >&2
        echo "$arch KVM probe: failed or hung after ${secs}s (qemu exit $status): TCG"
        return 1
    fi
}

# The kernel passes what follows the command line's `--` to init, up to a
# second `--`: nsrun's options end at the program instead. Double quotes
# keep the script one argument.
NSRUN_INIT_SCRIPT='"echo nsrun as init: pid $$ under $(cat /proc/1/comm) on $(hostname); exit 7"'

failed=0
report=()
for arch in "${arches[@]}"; do
    triple=$(rust_target "$arch")
    echo "=== VM $arch"
    read -r -a arch_releases < <(releases "$arch")
    for release in "${arch_releases[@]}"; do
        bash scripts/vm-fetch.sh "$arch" "$release" "$cache"
    done
    # One busybox (the first release's) for every kernel, so that the
    # cases' scripts are the same wherever they run.
    busybox=$cache/$arch/${arch_releases[0]}/busybox
    build "$arch" "$triple"
    runner=$out/$triple/release/nsclone-vm-init
    suite=$(mktemp -d)
    build_suite "$arch" "$triple" "$suite"
    accel=tcg
    for release in "${arch_releases[@]}"; do
        boots=$cache/$arch/$release
        # Whether this host's KVM runs a machine: asked once, on the first kernel.
        if [[ "$arch" == x86_64 && -w /dev/kvm && "$release" == "${arch_releases[0]}" ]]; then
            probe=0
            line=$(probe_kvm "$arch" "$triple" "$runner") || probe=$?
            ((probe == 0)) && accel=kvm
            report+=("$line")
        fi
        machine "$arch" "$triple" "$accel" runner "$runner" runner_verdict --extra "$suite"
        machine "$arch" "$triple" "$accel" tiny-init "$out/$triple/release/tiny-init" expect_lines \
            'tiny-init: the child is pid 1 of a new PID namespace, hostname tiny' \
            'tiny-init: the child exited with status 0' 'reboot: Power down'
        machine "$arch" "$triple" "$accel" nsrun "$target_dir/$triple/release/nsrun" expect_lines \
            'nsrun as init: pid 2 under init on nsrun-init' \
            'Attempted to kill init! exitcode=0x00000700' \
            -- -p -u --mount-proc --hostname nsrun-init /bin/sh -c "$NSRUN_INIT_SCRIPT"
    done
    rm -rf "$suite"
done
printf '\n=== VM tier\n'
printf '%s\n' "${report[@]}"
exit "$failed"
