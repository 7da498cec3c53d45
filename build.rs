//! Links `nsrun` as a static executable with no C runtime: its own `_start`
//! (from `arch/`), no libc, not position-independent.

fn main() {
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
        "-Wl,--build-id=none",
    ] {
        println!("cargo:rustc-link-arg-bin=nsrun={arg}");
    }
}
