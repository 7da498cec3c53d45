//! Links tiny-init as a static executable with no C runtime: nsclone's
//! `_start` (`entry_point!`), no libc.

fn main() {
    // The link arguments of a static program on nsclone's `_start` (no C
    // runtime, no libc), shared by every such program of the repository.
    for arg in include_str!("../../src/sys/arch/static-link-args").split_whitespace() {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
