//! `CloneFlags::from_str` and `Signal::from_str` on any bytes (read as lossy
//! UTF-8): never panic, parse exactly what the grammar models in the test
//! kit's invariants accept, name the (first) bad word, cut to 32 bytes, on
//! error, and whatever parses prints back (Display, lowercase, util-linux
//! names) to text with the same value.
#![no_main]

use nsclone_testkit::invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| invariants::parse::check(data));
