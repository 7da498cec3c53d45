//! Links `nsrun` as a small static executable with no C runtime: its own
//! `_start` (from `src/sys/arch/`), no libc, not position-independent, laid out by
//! `src/bin/nsrun/link.ld` (sections packed without page padding, no unwind
//! tables: nsrun never unwinds, panic = "abort").

fn main() {
    println!("cargo:rerun-if-changed=src/bin/nsrun/link.ld");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bin/nsrun/link.ld");
    let script = format!("-Wl,-T,{script}");
    let args = [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
        "-Wl,--build-id=none",
        "-Wl,--no-eh-frame-hdr",
        "-Wl,-z,norelro",
        &script,
    ];
    for arg in args {
        println!("cargo:rustc-link-arg-bin=nsrun={arg}");
    }
}
