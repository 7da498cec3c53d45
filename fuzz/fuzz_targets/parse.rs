//! `CloneFlags::from_str` on any bytes (read as lossy UTF-8): never panics,
//! parses exactly what the grammar model in fuzz/invariants.rs accepts, names
//! the first bad word (cut to 32 bytes) on error, and whatever parses prints
//! back (Display, lowercase, util-linux names) to text with the same bits.
#![no_main]

use nsclone_testkit::invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| invariants::parse::check(data));
