//! What the benchmarks share: interleaved rounds ([`race`]), their spread and
//! ratios ([`stats`]), markdown output ([`table`]), and the create+exit+reap
//! cycle through each API a user could pick ([`cycle`]).
#![allow(dead_code)]

pub mod binary;
pub mod cycle;
pub mod race;
pub mod stats;
pub mod table;

/// Whether the benchmark runs as root; the namespace ones need it.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Prints why a benchmark cannot run here and ends it, as a skip.
pub fn skip(bench: &str, why: &str) -> ! {
    println!("SKIPPED {bench}: {why}");
    std::process::exit(0)
}
