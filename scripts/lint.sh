#!/usr/bin/env bash
# Formatting, clippy and rustdoc, all warnings as errors, for the host and for
# aarch64 and riscv64 (checking needs no cross linker), with and without feature `std`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

echo "--- cargo fmt --check"
cargo fmt --all --check
cargo fmt --check --manifest-path fuzz/Cargo.toml
cargo fmt --check --manifest-path tests/vm/Cargo.toml
cargo fmt --check --manifest-path examples/tiny-init/Cargo.toml
cargo fmt --check --manifest-path benches/floor-launcher/Cargo.toml
cargo fmt --check --manifest-path tests/testkit/Cargo.toml
cargo fmt --check --manifest-path tests/interop/Cargo.toml

# `nsclone::sys::syscall` is the one raw-syscall entry: nothing else (the
# library, tests, examples, the other packages) calls the `sc` crate itself.
echo "--- nothing but src/sys/syscall.rs calls sc"
if git grep --untracked -nE '(^|[^[:alnum:]_])sc::' -- '*.rs' ':!src/sys/syscall.rs'; then
    echo "error: the lines above call the sc crate outside src/sys/syscall.rs;" \
        "use nsclone::sys::syscall or a typed call of nsclone::sys" >&2
    exit 1
fi

echo "--- every public function has an example or links to one"
bash scripts/doc-examples.sh

# nsrun is a no_std binary with its own panic handler and libc shims: it is
# built without feature `std`, which would link std into it.
for arch in x86_64 aarch64 riscv64; do
    target=$(rust_target "$arch")
    echo "--- clippy $target (nsrun included)"
    cargo clippy --target "$target" --all-targets -- -D warnings
    echo "--- clippy $target --all-features (library, tests, examples)"
    cargo clippy --target "$target" --all-features --lib --tests --examples -- -D warnings
    # Every fallible or panicking public function says when, under a heading.
    echo "--- clippy $target --all-features (library: # Errors, # Panics)"
    cargo clippy --target "$target" --all-features --lib -- -D warnings \
        -W clippy::missing_errors_doc -W clippy::missing_panics_doc
    for features in --no-default-features --all-features; do
        echo "--- rustdoc $target $features"
        # As a user runs it (not --lib): the package documents the library only.
        RUSTDOCFLAGS="-D warnings -W rustdoc::all" cargo doc --target "$target" $features --no-deps
        echo "--- links to examples ($target $features)"
        bash scripts/doc-examples.sh "${CARGO_TARGET_DIR:-target}/$target/doc/nsclone"
    done
    # The static, libc-free binaries that are packages of their own.
    for package in tests/vm examples/tiny-init benches/floor-launcher; do
        echo "--- clippy $target ($package)"
        CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/vm" \
            cargo clippy --release --target "$target" --manifest-path "$package/Cargo.toml" -- -D warnings
    done
    # The test kit: no_std for the VM runner, with std for the fuzz invariants.
    for features in --no-default-features --all-features; do
        echo "--- clippy $target (tests/testkit $features)"
        CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/testkit" \
            cargo clippy --target "$target" $features --manifest-path tests/testkit/Cargo.toml -- -D warnings
    done
    # nsclone with feature `std` beside rustix (tests only).
    echo "--- clippy $target (tests/interop)"
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/interop" \
        cargo clippy --target "$target" --all-targets --manifest-path tests/interop/Cargo.toml -- -D warnings
done
