#!/usr/bin/env bash
# Fuzzing tier, smoke run: every cargo-fuzz target (fuzz/fuzz_targets/: parse,
# check, kernel, spawn_layout) for a bounded time on the nightly toolchain
# (libFuzzer with AddressSanitizer), seeded from the checked-in corpus
# fuzz/corpus/<target>/. Every target runs; the script fails if any crashed
# (libFuzzer prints the input and writes it to fuzz/artifacts/<target>/).
# `cargo test --test fuzz_corpus` replays the same corpus on stable.
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 45)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-45}}

# The sanitizer needs nightly; rust-toolchain.toml pins stable, so say +nightly.
toolchains=$(rustup toolchain list)
if ! grep -q '^nightly-' <<<"$toolchains"; then
    echo "rustup: installing nightly"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo: installing cargo-fuzz from crates.io"
    cargo +nightly install cargo-fuzz --locked
fi
cargo +nightly fuzz --version

# Build every target first, so each run gets its whole time budget.
echo "--- cargo fuzz build"
cargo +nightly fuzz build

failed=()
for target in $(cargo +nightly fuzz list); do
    echo "--- fuzz target $target, ${seconds}s"
    # New inputs go to a scratch corpus (the first directory); the
    # checked-in seeds are only read, so the work tree stays clean.
    scratch=$(mktemp -d)
    seeds=()
    [[ -d fuzz/corpus/$target ]] && seeds=("fuzz/corpus/$target")
    # -timeout: an input that hangs (a sacrificial process that never ends)
    # is a crash too.
    args=(-max_total_time="$seconds" -timeout=30 -print_final_stats=1)
    [[ -f fuzz/dict/$target.dict ]] && args+=(-dict="fuzz/dict/$target.dict")
    if ! cargo +nightly fuzz run "$target" "$scratch" "${seeds[@]}" -- "${args[@]}"; then
        failed+=("$target")
    fi
    rm -rf "$scratch"
done

if ((${#failed[@]})); then
    echo "fuzz targets that crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz smoke: every target ran ${seconds}s without a crash"
