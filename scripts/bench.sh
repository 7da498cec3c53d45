#!/usr/bin/env bash
# Items 3 and 4 of the benchmarks, as markdown: starting /bin/true in new
# namespaces from a parent of 0, 1 and 4 GiB (benches/exec_memory.rs), and
# the whole command, nsrun against util-linux unshare and the floor
# launcher (benches/floor-launcher), with their stripped
# sizes and ldd (benches/whole_command.rs), headed by the machine, kernel and
# date. Items 1 and 2 are `cargo bench --bench clone_cycle --bench
# namespace_cycle`. Needs root (PID and mount namespaces) and about a minute.
# Usage: scripts/bench.sh [--rounds N] [--batch-ms N]   (passed to both benches)
set -euo pipefail
cd "$(dirname "$0")/.."

if ((EUID != 0)); then
    echo "bench.sh: needs root for PID and mount namespaces" >&2
    exit 1
fi
if ! command -v unshare >/dev/null; then
    echo "bench.sh: needs util-linux's unshare to compare nsrun with" >&2
    exit 1
fi

# nsrun as users build it (release profile), copied aside: `cargo bench`
# then rebuilds target/release/nsrun with the bench profile. The target dir
# honours CARGO_TARGET_DIR and config.
cargo build --release --bin nsrun >&2
target_dir=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
nsrun="$target_dir/nsrun-release"
cp "$target_dir/release/nsrun" "$nsrun"

# The floor launcher (benches/floor-launcher), release, beside it.
CARGO_TARGET_DIR="$target_dir/floor-launcher" cargo build -q --release \
    --manifest-path benches/floor-launcher/Cargo.toml >&2
floor_launcher="$target_dir/floor-launcher/release/floor-launcher"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memory=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo "n/a")
echo "## nsclone benchmarks, $(date -u +%F)"
echo
echo "$(nproc) CPUs ($cpu), $memory, kernel $(uname -r), transparent huge pages: $thp."
echo
# The tables go to stdout, cargo's build output to stderr.
NSRUN="$nsrun" FLOOR_LAUNCHER="$floor_launcher" cargo bench --bench exec_memory --bench whole_command -- "$@"
