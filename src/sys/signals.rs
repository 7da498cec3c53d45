//! Signal masks and handlers around a vfork-style child, as posix_spawn
//! handles them: block everything across the clone, reset the handlers in
//! the child (caught ones always, ignored ones unless kept), then set the
//! mask the program starts with.

use crate::sys::signal::LAST_SIGNAL;
use crate::sys::syscall::syscall;
use core::ffi::{c_int, c_ulong};
use core::mem::size_of;
use linux_raw_sys::general as k;
use static_assertions::const_assert_eq;

/// A signal set as the kernel's rt_sig* calls take it: bit `n - 1` is
/// signal `n` (64 signals).
pub type SigSet = u64;

/// The kernel's `struct sigaction`, with the handler as a plain address
/// (`SIG_DFL` is 0, `SIG_IGN` 1). riscv64 has no `sa_restorer`.
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: c_ulong,
    #[cfg(not(target_arch = "riscv64"))]
    restorer: usize,
    mask: SigSet,
}

const_assert_eq!(size_of::<KernelSigaction>(), size_of::<k::sigaction>());

impl KernelSigaction {
    /// The default action, no flags, nothing blocked.
    const DEFAULT: KernelSigaction = KernelSigaction {
        handler: SIG_DFL,
        flags: 0,
        #[cfg(not(target_arch = "riscv64"))]
        restorer: 0,
        mask: 0,
    };
}

const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

/// Replaces the calling thread's signal mask (rt_sigprocmask(2),
/// `SIG_SETMASK`); returns the old one. It cannot fail: both sets are
/// valid and of the kernel's size.
///
/// # Examples
///
/// A blocked signal waits, pending, until the mask lets it through; then
/// its action runs, here the default one, which ends the child.
///
/// ```
/// use nsclone::sys::{getpid, kill, set_default_action, set_mask, ALL_SIGNALS};
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack, Signal};
///
/// let term = Signal::TERM.raw();
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         // A handler of the caller's is no business of the child's.
///         set_default_action(term);
///         set_mask(ALL_SIGNALS);
///         if kill(getpid(), term).is_err() {
///             return 1;
///         }
///         // Still alive: SIGTERM is pending. Unblocked, it ends the child
///         // before set_mask returns.
///         set_mask(0);
///         2
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Signaled(term));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn set_mask(mask: SigSet) -> SigSet {
    change_mask(k::SIG_SETMASK, mask)
}

/// Adds `signals` to the calling thread's signal mask (`SIG_BLOCK`), never
/// unblocking one; returns the old mask.
pub(crate) fn block(signals: SigSet) -> SigSet {
    change_mask(k::SIG_BLOCK, signals)
}

/// rt_sigprocmask(2) with `how` and `set`; returns the old mask.
fn change_mask(how: u32, set: SigSet) -> SigSet {
    let mut old: SigSet = 0;
    let args = [
        how as usize,
        &set as *const SigSet as usize,
        &mut old as *mut SigSet as usize,
        size_of::<SigSet>(),
    ];
    // SAFETY: both sets are valid 8-byte words for the kernel to read and write.
    let _ = unsafe { syscall(k::__NR_rt_sigprocmask, args) };
    old
}

/// Every signal: the kernel silently keeps SIGKILL and SIGSTOP unblocked.
pub const ALL_SIGNALS: SigSet = !0;

/// Sets every caught signal's handler back to `SIG_DFL`, leaving ignored
/// ones ignored (what exec does, done before it so that no handler of the
/// parent's can run in a child that shares its memory).
pub(crate) fn reset_caught_handlers() {
    for signal in 1..=LAST_SIGNAL as usize {
        let mut old = KernelSigaction::DEFAULT;
        let args = [signal, 0, &mut old as *mut _ as usize, size_of::<SigSet>()];
        // SAFETY: a null new action only reads the old one into `old`.
        let ret = unsafe { syscall(k::__NR_rt_sigaction, args) };
        if ret.is_err() || old.handler == SIG_DFL || old.handler == SIG_IGN {
            continue;
        }
        set_default_action(signal as c_int);
    }
}

/// Sets every signal's action to the default, ignored ones too, as
/// `std::process::Command` leaves `SIGPIPE` for the programs it starts.
pub(crate) fn reset_handlers() {
    for signal in 1..=LAST_SIGNAL as usize {
        set_default_action(signal as c_int);
    }
}

/// Sets `signal`'s action to the default (rt_sigaction(2) with `SIG_DFL`,
/// no flags, nothing blocked); a number that is no signal, or one whose
/// action cannot change (`SIGKILL`, `SIGSTOP`), is left as it is;
/// [example](set_mask#examples).
pub fn set_default_action(signal: c_int) {
    let default = &KernelSigaction::DEFAULT as *const _ as usize;
    // SAFETY: `default` is a valid sigaction; no old action is asked for.
    let _ = unsafe {
        syscall(
            k::__NR_rt_sigaction,
            [signal as usize, default, 0, size_of::<SigSet>()],
        )
    };
}

/// Ends the calling process with `SIGABRT`, as `abort` does, by raw
/// syscalls only: the default action restored and the signal unblocked,
/// then sent to this thread by the kernel's IDs of it, never a C library's
/// cached ones (which, in a child the C library did not fork, are the
/// parent's).
#[cfg(feature = "std")]
pub(crate) fn abort_self() -> ! {
    let abort = k::SIGABRT as usize;
    set_default_action(abort as c_int);
    change_mask(k::SIG_UNBLOCK, 1 << (abort - 1));
    // SAFETY: gettid and tgkill read no memory.
    unsafe {
        let tid = syscall(k::__NR_gettid, []).unwrap_or(0);
        let _ = syscall(
            k::__NR_tgkill,
            [crate::sys::syscall::getpid() as usize, tid, abort],
        );
    }
    crate::sys::syscall::exit_group(128 + abort as c_int)
}
