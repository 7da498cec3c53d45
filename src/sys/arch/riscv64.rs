//! riscv64: the clone trampolines.
//!
//! Raw `clone` takes `(flags, stack, parent_tid, tls, child_tid)` in
//! `a0..a4`, `clone3` takes `(args, size)` in `a0, a1`; the number goes in
//! `a7`, `ecall` returns in `a0`. The C caller passes `clone(fn, stack,
//! flags, arg, ptid, tls, ctid)` in `a0..a6`. Both calls start the child in
//! `child_start` with `[sp] = fn` and `[sp + 8] = arg`. The kernel may clobber
//! the vector state at a syscall; nothing here keeps values in vector registers.

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
        "andi a1, a1, -16",         // a1 = child stack top, aligned down to 16
        "addi a1, a1, -16",         // a1 = child's first sp, two slots below the top
        "sd a0, 0(a1)",             // child's [sp] = fn
        "sd a3, 8(a1)",             // child's [sp + 8] = arg
        "slli a0, a2, 32",          // a0 = flags << 32, dropping the sign extension
        "srli a0, a0, 32",          // a0 = flags, zero-extended (exit signal in the low byte)
        "mv a2, a4",                // a2 = parent_tid
        "mv a3, a5",                // a3 = tls
        "mv a4, a6",                // a4 = child_tid
        "li a7, {nr_clone}",        // a7 = clone's number
        "ecall",                    // a0 = child's tid (parent), 0 (child) or -errno
        "bnez a0, 2f",              // nonzero: the parent
        "tail {child_start}",       // 0: the child, now running on a1
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
        "li a7, {nr_clone3}",       // a7 = clone3's number; a0 = args, a1 = size already
        "ecall",                    // a0 = child's tid (parent), 0 (child) or -errno
        "bnez a0, 2f",              // nonzero: the parent
        "tail {child_start}",       // 0: the child, sp = stack + stack_size
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
        ".cfi_undefined ra",        // unwinders stop here: the child has no caller
        "mv s0, zero",              // fp = 0, the outermost frame
        "mv ra, zero",              // ra = 0, no return address above it
        "ld t0, 0(sp)",             // t0 = fn, from the child's own stack
        "ld a0, 8(sp)",             // a0 = arg, fn's argument
        "addi sp, sp, 16",          // sp = the aligned top, 16-aligned as the ABI asks
        "jalr t0",                  // a0 = fn(arg)
        "li a7, {nr_exit}",         // a7 = exit's number: this thread only, not the group; a0 = status
        "ecall",                    // does not return
        "unimp",                    // unreachable: trap if it ever does
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
                ".cfi_undefined ra",    // unwinders stop here: nothing called _start
                "mv s0, zero",          // fp = 0, the outermost frame
                "mv ra, zero",          // ra = 0, no return address
                "mv a0, sp",            // a0 = the initial sp: argc, argv, envp, auxv
                "andi sp, sp, -16",     // sp 16-aligned before the call, as the ABI asks
                "call {main}",          // main(sp) never returns
                "unimp",                // trap if it ever does
                ".cfi_endproc",
                main = sym $main,
            )
        }
    };
}
