//! Differential: the running kernel against `CloneFlags::check`. Each input
//! (a `FlagsInput`: syscall, exit signal, combined flags) is asked of the
//! kernel in one sacrificial process, a fork-like `nsclone::spawn` child,
//! which makes the raw clone / clone3 / unshare / setns call with a real
//! stack, TLS page and tid/pidfd slots; the child it creates exits at once
//! in assembly. Whatever the call creates dies with the sacrificial process,
//! which reaps its own child; a CLONE_PARENT sibling (this process's child)
//! is reaped here by its pid, and this process is a child subreaper that
//! sweeps orphaned zombies after each input, so nothing lingers.
//! EINVAL from the kernel and from `check` must coincide; documented
//! version and privilege differences are printed, never silently skipped.
//! The kernel's answers feed back to the fuzzer as extra counters.
#![no_main]

use nsclone_testkit::invariants;

use invariants::kernel::Oracle;
use invariants::FlagsInput;
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

thread_local! {
    static ORACLE: RefCell<Option<Oracle>> = const { RefCell::new(None) };
}

/// A number per rule (its message's hash), for the counters.
fn rule_key(message: &str) -> u64 {
    message.bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) & 0xfffff
}

fuzz_target!(|data: &[u8]| {
    let input = FlagsInput::decode(data);
    invariants::check::check(input);
    let verdict = ORACLE.with(|oracle| {
        let mut oracle = oracle.borrow_mut();
        oracle.get_or_insert_with(Oracle::new).compare(input)
    });
    let call = verdict.call as u64;
    let answer = verdict.kernel.err().map_or(0, |e| e.raw() as u64 & 0xfff);
    let rule = verdict
        .check
        .err()
        .map_or(0, |e| rule_key(e.rule().message()));
    nsclone_fuzz::hit(1 << 60 | call << 52 | answer << 20 | rule);
    for bit in (0..64).filter(|b| verdict.flags.bits() >> b & 1 != 0) {
        nsclone_fuzz::hit(2 << 60 | call << 52 | answer << 20 | bit);
    }
});
