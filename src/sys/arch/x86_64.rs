//! x86_64: the clone trampolines.
//!
//! Raw `clone` takes `(flags, stack, parent_tid, child_tid, tls)` in
//! `rdi, rsi, rdx, r10, r8`, `clone3` takes `(args, size)` in `rdi, rsi`; the
//! number goes in `rax`, `syscall` clobbers `rcx` and `r11` and returns in
//! `rax`. The C caller passes `clone(fn, stack, flags, arg, ptid, tls, ctid)`
//! in `rdi, rsi, edx, rcx, r8, r9` and `[rsp + 8]`. Both calls start the
//! child in `child_start` with `[sp] = fn` and `[sp + 8] = arg`.

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
        "and rsi, -16",             // rsi = child stack top, aligned down to 16
        "sub rsi, 16",              // rsi = child's first sp, two slots below the top
        "mov [rsi], rdi",           // child's [sp] = fn
        "mov [rsi + 8], rcx",       // child's [sp + 8] = arg
        "mov edi, edx",             // rdi = flags, zero-extended (exit signal in the low byte)
        "mov rdx, r8",              // rdx = parent_tid
        "mov r10, [rsp + 8]",       // r10 = child_tid, the caller's seventh argument
        "mov r8, r9",               // r8 = tls
        "mov eax, {nr_clone}",      // rax = clone's number
        "syscall",                  // rax = child's tid (parent), 0 (child) or -errno
        "test rax, rax",            // which side of the clone are we on?
        "jz {child_start}",         // 0: the child, now running on rsi
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
        "mov eax, {nr_clone3}",     // rax = clone3's number; rdi = args, rsi = size already
        "syscall",                  // rax = child's tid (parent), 0 (child) or -errno
        "test rax, rax",            // which side of the clone are we on?
        "jz {child_start}",         // 0: the child, sp = stack + stack_size
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
        ".cfi_undefined rip",       // unwinders stop here: the child has no caller
        "xor ebp, ebp",             // rbp = 0, the outermost frame
        "pop rax",                  // rax = fn, from the child's own stack
        "pop rdi",                  // rdi = arg, fn's argument; sp = the aligned top
        "push rbp",                 // [sp] = 0, the outermost frame's return address
        "push rbp",                 // [sp] = 0, its saved frame pointer; sp 16-aligned
        "mov rbp, rsp",             // rbp = that zero frame record, where walks end
        "call rax",                 // eax = fn(arg); sp + 8 is 16-aligned at entry
        "mov edi, eax",             // rdi = exit status = fn's return value
        "mov eax, {nr_exit}",       // rax = exit's number: this thread only, not the group
        "syscall",                  // does not return
        "ud2",                      // unreachable: trap if it ever does
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
        /// The kernel starts the process here, with `rsp` at `argc`.
        #[unsafe(no_mangle)]
        #[unsafe(naked)]
        unsafe extern "C" fn _start() -> ! {
            core::arch::naked_asm!(
                ".cfi_startproc",
                ".cfi_undefined rip",   // unwinders stop here: nothing called _start
                "xor ebp, ebp",         // rbp = 0, the outermost frame
                "mov rdi, rsp",         // rdi = the initial sp: argc, argv, envp, auxv
                "and rsp, -16",         // sp 16-aligned before the call, as the ABI asks
                "call {main}",          // main(sp) never returns
                "ud2",                  // trap if it ever does
                ".cfi_endproc",
                main = sym $main,
            )
        }
    };
}
