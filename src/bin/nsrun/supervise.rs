//! Waiting for the program: forwarding the signals nsrun gets to it,
//! reaping every child (orphans too, when nsrun is a PID 1), and ending the
//! way the program ended.

use crate::sys::{self, SigSet};
use core::ffi::c_int;
use core::sync::atomic::{AtomicI32, Ordering};
use linux_raw_sys::general as k;
use nsclone::ExitStatus;

/// The signals never passed on to the program: those the kernel raises
/// for a fault of nsrun's own, SIGCHLD (nsrun's to handle), the
/// terminal's stops of a background reader or writer, and the two no
/// process can catch, as tini leaves them.
const NOT_FORWARDED: [u32; 12] = [
    k::SIGILL,
    k::SIGTRAP,
    k::SIGABRT,
    k::SIGBUS,
    k::SIGFPE,
    k::SIGSEGV,
    k::SIGSYS,
    k::SIGCHLD,
    k::SIGTTIN,
    k::SIGTTOU,
    k::SIGKILL,
    k::SIGSTOP,
];

const fn bit(signal: u32) -> SigSet {
    1 << (signal - 1)
}

/// Every signal but [`NOT_FORWARDED`] (real-time ones included), and
/// SIGCHLD, which nsrun waits for instead of handling.
const WATCHED: SigSet = {
    let mut set = !0;
    let mut i = 0;
    while i < NOT_FORWARDED.len() {
        set &= !bit(NOT_FORWARDED[i]);
        i += 1;
    }
    set | bit(k::SIGCHLD)
};

/// "No status recorded yet" in the shared status word (a wait status is never negative).
pub const NO_STATUS: i32 = -1;

/// Blocks the watched signals (before any child exists, so none is missed);
/// returns the mask to restore in the program.
pub fn block_watched_signals() -> SigSet {
    let old = sys::set_mask(!0);
    sys::set_mask(old | WATCHED);
    old
}

/// Forwards signals to `program` and reaps children until `program` ends;
/// returns its wait status.
pub fn wait_for(program: c_int) -> c_int {
    loop {
        match sys::wait_signal(WATCHED) as u32 {
            k::SIGCHLD => {
                while let Some((pid, status)) = sys::reap_any() {
                    if pid == program {
                        return status;
                    }
                }
            }
            signal => {
                let _ = sys::kill(program, signal as c_int);
            }
        }
    }
}

/// Ends nsrun the way a wait status says the program ended: the same exit
/// code, or death by the same signal (so a shell sees 128+n).
pub fn end_like(status: c_int) -> ! {
    match ExitStatus::from_raw(status) {
        ExitStatus::Exited(code) => sys::exit_group(code),
        ExitStatus::Signaled(signal) => {
            sys::set_default_action(signal);
            sys::set_mask(!bit(signal as u32));
            let _ = sys::kill(sys::getpid(), signal);
            // Still alive: a PID 1 ignores signals it has no handler for.
            sys::exit_group(128 + signal)
        }
    }
}

/// Records the program's wait status for the nsrun outside the PID namespace.
pub fn record(shared: &AtomicI32, status: c_int) {
    shared.store(status, Ordering::SeqCst);
}
