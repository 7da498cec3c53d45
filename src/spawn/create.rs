//! Creating the child: the closure placed on top of its stack, then clone3
//! or legacy clone through the trampoline, with the ENOSYS fallback.

use super::Spawn;
use crate::check::Syscall;
use crate::child::Child;
use crate::clone3::clone3;
use crate::errno::{Errno, Result};
use crate::fd::OwnedFd;
use crate::flags::CloneFlags;
use crate::pid_t;
use core::ffi::{c_int, c_void};
use core::mem::{align_of, size_of};
use core::ptr;
use linux_raw_sys::general::clone_args;

impl Spawn<'_> {
    /// Places `f` on the stack and creates the child.
    ///
    /// # Safety
    ///
    /// As for [`spawn_unchecked`](Self::spawn_unchecked).
    pub(super) unsafe fn start<F: FnOnce() -> c_int>(
        &self,
        stack: &mut [u8],
        f: F,
    ) -> Result<Child> {
        let slot = closure_slot::<F>(stack).ok_or(Errno::ENOMEM)?;
        // SAFETY: `slot` is aligned for `F` and lies inside `stack`, which we
        // borrow mutably.
        unsafe { slot.write(f) };
        let mut pidfd: c_int = -1;
        let below = (stack.as_mut_ptr(), slot as usize - stack.as_ptr() as usize);
        // SAFETY: the child's stack is `below`, under the closure, with room
        // for the child's copies of it (`stack_needed_below`); `run_closure::<F>` reads the `F` at
        // `slot` once; `pidfd` outlives the call. The flags are the caller's
        // responsibility.
        let result = unsafe { self.create(below, run_closure::<F>, slot.cast(), &mut pidfd) };
        let child_consumed_ours = result.is_ok() && self.flags.contains(CloneFlags::VM);
        if !child_consumed_ours {
            // SAFETY: the `F` at `slot` is initialized and, in this address
            // space, was never read: the clone failed or the child had a copy.
            unsafe { ptr::drop_in_place(slot) };
        }
        let pid = result?;
        // SAFETY: with CLONE_PIDFD the kernel stored a new descriptor that
        // nothing else owns.
        let pidfd = self.pidfd.then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
        Ok(Child::new(pid, pidfd))
    }

    /// Makes the syscall: clone3 when [`Self::syscall`] says so, falling back
    /// to legacy clone on `ENOSYS` when the request allows.
    ///
    /// # Safety
    ///
    /// As for [`crate::clone`], with `(low, len)` the child's stack.
    unsafe fn create(
        &self,
        (low, len): (*mut u8, usize),
        f: crate::CloneFn,
        arg: *mut c_void,
        pidfd: &mut c_int,
    ) -> Result<pid_t> {
        if self.syscall() == Syscall::Clone3 {
            let mut args = self.clone_args(low, len, pidfd);
            // SAFETY: `args` points at the stack, pidfd, cgroup and PIDs of this request.
            match unsafe { clone3(&mut args, f, arg) } {
                Err(Errno::ENOSYS) if !self.needs_clone3() => {}
                result => return result,
            }
        }
        let word = self.kernel_flags().bits() as u32 | (self.exit_signal as u32 & 0xff);
        let ptid = if self.pidfd {
            pidfd as *mut c_int
        } else {
            ptr::null_mut()
        };
        let top = low.wrapping_add(len);
        // SAFETY: forwarded from the caller; legacy clone writes the pidfd to `ptid`.
        unsafe {
            crate::clone(
                Some(f),
                top,
                word as c_int,
                arg,
                ptid,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        }
    }

    fn clone_args(&self, low: *mut u8, len: usize, pidfd: &mut c_int) -> clone_args {
        clone_args {
            flags: self.kernel_flags().bits(),
            pidfd: pidfd as *mut c_int as u64,
            child_tid: 0,
            parent_tid: 0,
            exit_signal: self.exit_signal as u64,
            stack: low as u64,
            stack_size: len as u64,
            tls: 0,
            // clone3 refuses a non-null set_tid with size 0 (an empty slice's pointer).
            set_tid: if self.set_tid.is_empty() {
                0
            } else {
                self.set_tid.as_ptr() as u64
            },
            set_tid_size: self.set_tid.len() as u64,
            cgroup: self.cgroup.map_or(0, |fd| fd.as_raw_fd() as u64),
        }
    }
}

/// Where `F` goes: as high in `stack` as its alignment allows, if
/// [`Spawn::stack_needed_below`] bytes remain below it.
fn closure_slot<F>(stack: &mut [u8]) -> Option<*mut F> {
    let low = stack.as_mut_ptr() as usize;
    let high = low.checked_add(stack.len())?;
    let slot = high.checked_sub(size_of::<F>())? & !(align_of::<F>() - 1);
    let needed_below = Spawn::stack_needed_below(size_of::<F>(), align_of::<F>())?;
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
