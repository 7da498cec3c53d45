//! Links the runner as a static executable with no C runtime: its own
//! `_start` (nsclone's `entry_point!`), no libc, so it can be a machine's
//! `/init` with nothing else in the initramfs.

fn main() {
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}
