#!/usr/bin/env bash
# Fuzzing tier, smoke run: every cargo-fuzz target for a short while on the
# nightly toolchain (libFuzzer with AddressSanitizer), seeded from the
# checked-in corpus. Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-30}}

# The sanitizer needs nightly; rust-toolchain.toml pins stable, so say +nightly.
toolchains=$(rustup toolchain list)
if ! grep -q '^nightly-' <<<"$toolchains"; then
    echo "rustup: installing nightly"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo: installing cargo-fuzz"
    cargo +nightly install cargo-fuzz --locked
fi
cargo +nightly fuzz --version

for target in $(cargo +nightly fuzz list); do
    echo "--- fuzz target $target, ${seconds}s"
    # New inputs go to a scratch corpus (the first directory); the
    # checked-in seeds are only read, so the work tree stays clean.
    scratch=$(mktemp -d)
    seeds=()
    [[ -d fuzz/corpus/$target ]] && seeds=("fuzz/corpus/$target")
    cargo +nightly fuzz run "$target" "$scratch" "${seeds[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1
    rm -rf "$scratch"
done
