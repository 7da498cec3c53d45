//! aarch64: the clone trampolines.
//!
//! Raw `clone` takes `(flags, stack, parent_tid, tls, child_tid)` in
//! `x0..x4`, `clone3` takes `(args, size)` in `x0, x1`; the number goes in
//! `x8`, `svc #0` returns in `x0`. The C caller passes `clone(fn, stack,
//! flags, arg, ptid, tls, ctid)` in `x0, x1, w2, x3, x4, x5, x6`. Both calls
//! start the child in `child_start` with `[sp] = fn` and `[sp + 8] = arg`.

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

/// Creates a child with the raw `clone` syscall; the child runs `f(arg)` on
/// `stack` and exits with its return value.
///
/// Returns the raw syscall result in the parent: the child's TID, or
/// `-errno` in -4095..=-1.
///
/// # Safety
///
/// `f` must be callable in the child with `arg`, and `stack` must point just
/// past at least 32 writable bytes (more for whatever `f` needs) that stay
/// valid for the child's whole life. The flags must be ones the caller's
/// memory, signal and thread state can survive (`CLONE_VM` shares this stack
/// frame's memory with the child).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone(
    f: super::CloneFn,
    stack: *mut u8,
    flags: core::ffi::c_int,
    arg: *mut core::ffi::c_void,
    ptid: *mut crate::pid_t,
    tls: *mut core::ffi::c_void,
    ctid: *mut crate::pid_t,
) -> isize {
    core::arch::naked_asm!(
        "and x1, x1, #-16",         // x1 = child stack top, aligned down to 16
        "stp x0, x3, [x1, #-16]!",  // child's [sp] = fn, [sp + 8] = arg; x1 = child's first sp
        "mov w0, w2",               // x0 = flags, zero-extended (exit signal in the low byte)
        "mov x2, x4",               // x2 = parent_tid
        "mov x3, x5",               // x3 = tls
        "mov x4, x6",               // x4 = child_tid
        "mov x8, #{nr_clone}",      // x8 = clone's number
        "svc #0",                   // x0 = child's tid (parent), 0 (child) or -errno
        "cbnz x0, 2f",              // nonzero: the parent
        "b {child_start}",          // 0: the child, now running on x1
        "2:",
        "ret",                      // parent: return the tid or -errno
        nr_clone = const __NR_clone,
        child_start = sym child_start,
    )
}

/// Creates a child with `clone3(args, size)`; the child runs `fn(arg)`, read
/// from the two slots at `args.stack + args.stack_size`, and exits.
///
/// Returns the raw syscall result in the parent, as [`clone`] does.
///
/// # Safety
///
/// `args` must be a valid `clone_args` of `size` bytes whose stack ends (its
/// `stack + stack_size`, 16-aligned) right below `fn` and `arg`, stored as
/// two words; everything else as for [`clone`].
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone3(
    args: *mut linux_raw_sys::general::clone_args,
    size: usize,
) -> isize {
    core::arch::naked_asm!(
        "mov x8, #{nr_clone3}",     // x8 = clone3's number; x0 = args, x1 = size already
        "svc #0",                   // x0 = child's tid (parent), 0 (child) or -errno
        "cbnz x0, 2f",              // nonzero: the parent
        "b {child_start}",          // 0: the child, sp = stack + stack_size
        "2:",
        "ret",                      // parent: return the tid or -errno
        nr_clone3 = const __NR_clone3,
        child_start = sym child_start,
    )
}

/// The child's first instructions, with `[sp] = fn`, `[sp + 8] = arg` and sp
/// 16-aligned: calls `fn(arg)` and exits with its return value.
///
/// # Safety
///
/// Only the trampolines above jump here, in a new child.
#[unsafe(naked)]
unsafe extern "C" fn child_start() -> ! {
    core::arch::naked_asm!(
        ".cfi_startproc",
        ".cfi_undefined x30",       // unwinders stop here: the child has no caller
        "mov x29, #0",              // fp = 0, the outermost frame
        "mov x30, #0",              // lr = 0, no return address above it
        "ldp x1, x0, [sp], #16",    // x1 = fn, x0 = arg, fn's argument; sp = the aligned top
        "blr x1",                   // w0 = fn(arg); sp is 16-aligned as AAPCS64 requires
        "mov x8, #{nr_exit}",       // x8 = exit's number: this thread only, not the group; x0 = status
        "svc #0",                   // does not return
        "udf #0",                   // unreachable: trap if it ever does
        ".cfi_endproc",
        nr_exit = const __NR_exit,
    )
}

/// Defines the process entry point `_start` of a `#![no_main]` static
/// binary: calls `$main(sp)`, where `sp` points at `argc`, then the `argv`
/// pointers, a null, the `envp` pointers, a null and the auxiliary vector.
/// `$main` must be an `extern "C" fn(*const usize) -> !`.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        /// The kernel starts the process here, with `sp` at `argc`.
        #[unsafe(no_mangle)]
        #[unsafe(naked)]
        unsafe extern "C" fn _start() -> ! {
            core::arch::naked_asm!(
                ".cfi_startproc",
                ".cfi_undefined x30",   // unwinders stop here: nothing called _start
                "mov x29, #0",          // fp = 0, the outermost frame
                "mov x30, #0",          // lr = 0, no return address
                "mov x0, sp",           // x0 = the initial sp: argc, argv, envp, auxv (16-aligned)
                "bl {main}",            // main(sp) never returns
                "udf #0",               // trap if it ever does
                ".cfi_endproc",
                main = sym $main,
            )
        }
    };
}
