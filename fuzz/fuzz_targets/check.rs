//! `CloneFlags::check_with_exit_signal` on any (flags, syscall, exit signal):
//! never panics; accepts exactly what the kernel's documented rules accept
//! and names the first rule broken in the kernel's order; its errors carry
//! the question and an errno the call documents; what it accepts lies inside
//! the kernel's masks; legacy clone's answer ignores the exit-signal byte and
//! the bits from 32. Input layout: `FlagsInput` in fuzz/invariants.rs.
#![no_main]

use nsclone_testkit::invariants;

use invariants::FlagsInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| invariants::check::check(FlagsInput::decode(data)));
