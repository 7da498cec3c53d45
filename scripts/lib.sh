# Functions the scripts share; `source` it. Each takes what it uses as
# arguments and prints its answer.

# rust_target ARCH: the Rust target triple the tiers build for ARCH.
rust_target() {
    case "$1" in
        x86_64) echo x86_64-unknown-linux-gnu ;;
        aarch64) echo aarch64-unknown-linux-gnu ;;
        riscv64) echo riscv64gc-unknown-linux-gnu ;;
        *)
            echo "unknown architecture '$1' (x86_64, aarch64, riscv64)" >&2
            return 2
            ;;
    esac
}

# tool_for ARCH TOOL: the binutils TOOL (strip, ...) for ARCH's binaries.
tool_for() {
    if [[ "$1" == "$(uname -m)" ]]; then
        echo "$2"
    else
        echo "$1-linux-gnu-$2"
    fi
}

# seconds_since START: the seconds from START (an $EPOCHREALTIME) to now,
# to a tenth.
seconds_since() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}
