//! Links the floor launcher as a static executable with no C runtime:
//! nsclone's `_start` (`entry_point!`), no libc.

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
