//! Links the runner as a static executable with no C runtime: its own
//! `_start` (nsclone's `entry_point!`), no libc, so it can be a machine's
//! `/init` with nothing else in the initramfs.

fn main() {
    // The link arguments of a static program on nsclone's `_start` (no C
    // runtime, no libc), shared by every such program of the repository.
    for arg in include_str!("../../src/sys/arch/static-link-args").split_whitespace() {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
