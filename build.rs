//! Links `nsrun` as a small static executable with no C runtime: its own
//! `_start` (from `src/sys/arch/`), no libc, not position-independent, laid out by
//! `src/bin/nsrun/link.ld` (sections packed without page padding, no unwind
//! tables: nsrun never unwinds, panic = "abort").

fn main() {
    println!("cargo:rerun-if-changed=src/bin/nsrun/link.ld");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bin/nsrun/link.ld");
    let script = format!("-Wl,-T,{script}");
    // Those of every static program on nsclone's `_start`, then nsrun's own
    // for size.
    let common = include_str!("src/sys/arch/static-link-args").split_whitespace();
    let own = [
        "-Wl,--build-id=none",
        "-Wl,--no-eh-frame-hdr",
        "-Wl,-z,norelro",
        &script,
    ];
    for arg in common.chain(own) {
        println!("cargo:rustc-link-arg-bin=nsrun={arg}");
    }
}
