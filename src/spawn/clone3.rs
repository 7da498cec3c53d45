//! clone3 through the shared child trampoline, and whether the kernel has it.

use crate::sys::arch;
use crate::sys::errno::{Errno, Result};
use crate::{pid_t, CloneFn};
use core::ffi::c_void;
use core::mem::size_of;
use core::sync::atomic::{AtomicBool, Ordering};
use linux_raw_sys::general::clone_args;

/// Set once clone3 answered `ENOSYS` or `EPERM` and legacy clone then made
/// the child (an old kernel, or a seccomp filter that hides or refuses
/// clone3), so later requests go to legacy clone directly.
static CLONE3_REFUSED: AtomicBool = AtomicBool::new(false);

/// Whether clone3 is worth trying: not known to be missing or refused.
pub(crate) fn clone3_available() -> bool {
    !CLONE3_REFUSED.load(Ordering::Relaxed)
}

/// Remembers for [`clone3_available`] that clone3 is missing or refused.
pub(crate) fn clone3_refused() {
    CLONE3_REFUSED.store(true, Ordering::Relaxed);
}

/// Creates a child with clone3(2) that runs `f(arg)` on the stack
/// `[args.stack, args.stack + args.stack_size)` and exits with its return
/// value. Shrinks `args.stack_size` by the two words that carry `f` and `arg`
/// (and the alignment), so the kernel starts the child right below them.
///
/// # Safety
///
/// As for [`crate::clone`], with `args` holding valid pointers for its flags
/// and a stack of at least 32 bytes that the child owns for its whole life.
pub(crate) unsafe fn clone3(args: &mut clone_args, f: CloneFn, arg: *mut c_void) -> Result<pid_t> {
    let low = args.stack as usize;
    let top = (low + args.stack_size as usize) & !15;
    let slots = top
        .checked_sub(16)
        .filter(|&slots| slots >= low && args.stack != 0);
    let Some(slots) = slots else {
        return Err(Errno::EINVAL);
    };
    let slots = slots as *mut usize;
    // SAFETY: `slots` is 16-aligned inside the caller's stack.
    unsafe {
        slots.write(f as usize);
        slots.add(1).write(arg as usize);
    }
    args.stack_size = (slots as usize - low) as u64;
    // SAFETY: the stack ends right below `f` and `arg`; the rest is the caller's.
    let ret = unsafe { arch::clone3(args, size_of::<clone_args>()) };
    Errno::from_syscall(ret as usize).map(|tid| tid as pid_t)
}
