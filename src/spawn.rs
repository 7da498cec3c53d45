//! `spawn` and `Spawn`: run a closure in a child created with namespace flags,
//! the closure moved onto the child's stack, without allocating.

use crate::check::{FlagError, Rule, Syscall};
use crate::child::Child;
use crate::errno::{Errno, Result};
use crate::flags::CloneFlags;
use core::ffi::{c_int, c_void};
use core::mem::{align_of, size_of};
use core::ptr;
use linux_raw_sys::general::SIGCHLD;

/// Runs `f` in a new child process created with `flags`, using `stack` as the
/// child's stack, and returns the child; its exit status is `f`'s return value.
///
/// The same as `Spawn::new(flags).spawn(stack, f)`; see [`Spawn::spawn`].
pub fn spawn<F: FnOnce() -> c_int>(flags: CloneFlags, stack: &mut [u8], f: F) -> Result<Child> {
    Spawn::new(flags).spawn(stack, f)
}

/// A builder for a child: flags and exit signal, then [`spawn`](Spawn::spawn).
#[derive(Copy, Clone, Debug)]
pub struct Spawn {
    flags: CloneFlags,
    exit_signal: c_int,
}

/// The flags the safe path refuses, each with the rule it names.
const UNSAFE_FOR_SPAWN: &[(CloneFlags, Rule)] = &[
    (CloneFlags::THREAD, Rule::SpawnMakesThreads),
    (CloneFlags::SIGHAND, Rule::SpawnMakesThreads),
    (CloneFlags::SETTLS, Rule::SpawnSetsTls),
    (CloneFlags::FILES, Rule::SpawnSharesFiles),
    (CloneFlags::PARENT_SETTID, Rule::SpawnHasNoTidPointers),
    (CloneFlags::CHILD_SETTID, Rule::SpawnHasNoTidPointers),
    (CloneFlags::CHILD_CLEARTID, Rule::SpawnHasNoTidPointers),
    (CloneFlags::PIDFD, Rule::SpawnHasNoPidfdPlace),
    (CloneFlags::NEWTIME, Rule::NeedsClone3),
    (CloneFlags::CLEAR_SIGHAND, Rule::NeedsClone3),
    (CloneFlags::INTO_CGROUP, Rule::NeedsClone3),
];

impl Spawn {
    /// The stack the child keeps free below the closure for its own frames.
    /// A stack that cannot hold the closure and this much is refused (`ENOMEM`).
    pub const MIN_FREE_STACK: usize = 2048;

    /// A child created with `flags` that signals `SIGCHLD` when it exits.
    pub const fn new(flags: CloneFlags) -> Spawn {
        Spawn {
            flags,
            exit_signal: SIGCHLD as c_int,
        }
    }

    /// The signal the parent gets when the child exits (0 for none; 1..=64).
    /// [`crate::Child::wait`] reaps children with any exit signal.
    pub const fn exit_signal(mut self, signal: c_int) -> Spawn {
        self.exit_signal = signal;
        self
    }

    /// Checks what [`spawn`](Self::spawn) checks before its syscall: the flags
    /// that keep the parent's memory, threads and fds safe, then the kernel's
    /// rules for clone ([`CloneFlags::check`]). Names the first rule broken.
    pub fn check(&self) -> core::result::Result<(), FlagError> {
        let flags = self.flags;
        let refuse = |rule| Err(FlagError::new(rule, Syscall::Clone, flags));
        if !(0..=64).contains(&self.exit_signal) {
            return refuse(Rule::ExitSignalInvalid);
        }
        if flags.bits() & CloneFlags::CSIGNAL & !CloneFlags::NEWTIME.bits() != 0 {
            return refuse(Rule::SpawnExitSignalInFlags);
        }
        if flags.unknown_bits() != 0 {
            return refuse(Rule::NeedsClone3);
        }
        if flags.contains(CloneFlags::VM) && !flags.contains(CloneFlags::VFORK) {
            return refuse(Rule::SpawnSharesMemory);
        }
        if let Some(&(_, rule)) = UNSAFE_FOR_SPAWN
            .iter()
            .find(|(flag, _)| flags.intersects(*flag))
        {
            return refuse(rule);
        }
        flags.check(Syscall::Clone)
    }

    /// Moves `f` onto the top of `stack` and runs it in a new child created
    /// with this builder's flags; the child exits with `f`'s return value.
    ///
    /// Accepted: namespace flags (`CLONE_NEW*` but `CLONE_NEWTIME`, which
    /// needs clone3), `CLONE_VM` only together with `CLONE_VFORK` (the parent
    /// waits until the child exits or execs), and `CLONE_FS`, `CLONE_VFORK`,
    /// `CLONE_PARENT`, `CLONE_PTRACE`, `CLONE_UNTRACED`, `CLONE_SYSVSEM`,
    /// `CLONE_IO`, `CLONE_DETACHED`. Everything else is refused before any
    /// syscall with `EINVAL`; [`check`](Self::check) names the rule.
    ///
    /// Without `CLONE_VM` the child runs on a copy of the parent's memory, so
    /// `f` and what it captured exist twice: the child consumes its copy and
    /// the parent drops its own once the child exists. With `CLONE_VM |
    /// CLONE_VFORK` the child consumes the only copy. In a multithreaded
    /// parent, `f` must keep to async-signal-safe work (this crate's
    /// syscalls), as after `fork`. A panic in `f` cannot unwind into the
    /// parent: it aborts the child.
    ///
    /// Errors: `EINVAL` (refused flags), `ENOMEM` (the stack cannot hold `f`
    /// plus [`MIN_FREE_STACK`](Self::MIN_FREE_STACK) bytes, or the kernel is
    /// out of memory), and clone(2)'s: `EPERM`, `ENOSPC`, `EAGAIN`, `EUSERS`.
    pub fn spawn<F: FnOnce() -> c_int>(&self, stack: &mut [u8], f: F) -> Result<Child> {
        self.check()?;
        // SAFETY: `check` refused every flag that would let the child share
        // memory the parent keeps using, its threads, fds or TLS.
        unsafe { self.spawn_unchecked(stack, f) }
    }

    /// [`spawn`](Self::spawn) with any flags: no check but the stack's size.
    ///
    /// # Safety
    ///
    /// The caller answers for the flags as for [`crate::clone`]: with
    /// `CLONE_VM` but not `CLONE_VFORK`, `stack` and everything `f` touches
    /// must stay valid and unaliased until the child exits (the borrow of
    /// `stack` ends when this returns); `CLONE_THREAD`, `CLONE_SIGHAND`,
    /// `CLONE_FILES` and `CLONE_SETTLS` are the caller's to make sound; tid
    /// and pidfd flags have no pointers here (the kernel writes to none or
    /// faults the child).
    pub unsafe fn spawn_unchecked<F: FnOnce() -> c_int>(
        &self,
        stack: &mut [u8],
        f: F,
    ) -> Result<Child> {
        let slot = closure_slot::<F>(stack).ok_or(Errno::ENOMEM)?;
        // SAFETY: `slot` is aligned for `F` and lies inside `stack`, which we
        // borrow mutably.
        unsafe { slot.write(f) };
        let word = (self.flags.bits() as u32 | (self.exit_signal as u32 & 0xff)) as c_int;
        // SAFETY: the child's stack ends at `slot`, below the closure, with at
        // least MIN_FREE_STACK bytes; `run_closure::<F>` reads the `F` at
        // `slot` once. The flags are the caller's responsibility.
        let result = unsafe {
            crate::clone(
                Some(run_closure::<F>),
                slot.cast::<u8>(),
                word,
                slot.cast::<c_void>(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let child_consumed_ours = result.is_ok() && self.flags.contains(CloneFlags::VM);
        if !child_consumed_ours {
            // SAFETY: the `F` at `slot` is initialized and, in this address
            // space, was never read: the clone failed or the child had a copy.
            unsafe { ptr::drop_in_place(slot) };
        }
        result.map(Child::new)
    }
}

/// Where `F` goes: as high in `stack` as its alignment allows, if
/// `MIN_FREE_STACK` bytes and one more `F` (the child moves it to call it)
/// remain below.
fn closure_slot<F>(stack: &mut [u8]) -> Option<*mut F> {
    let low = stack.as_mut_ptr() as usize;
    let high = low.checked_add(stack.len())?;
    let slot = high.checked_sub(size_of::<F>())? & !(align_of::<F>() - 1);
    let needed_below = size_of::<F>().checked_add(Spawn::MIN_FREE_STACK)?;
    if slot.checked_sub(low)? < needed_below {
        return None;
    }
    // Derive the pointer from the slice to keep its provenance.
    Some(stack.as_mut_ptr().wrapping_add(slot - low).cast::<F>())
}

/// The child's entry: takes the closure off its stack and runs it.
extern "C" fn run_closure<F: FnOnce() -> c_int>(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the slot `spawn_unchecked` wrote an `F` to; the child
    // reads it exactly once, here.
    let f = unsafe { ptr::read(arg.cast::<F>()) };
    f()
}
