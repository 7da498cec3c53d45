//! A raw `clone` or `clone3` whose child exits at once, for asking the
//! kernel whether it accepts flags: for the kernel oracle,
//! `tests/flag_rules.rs` and the kernel lines' probes (`kernel_lines.rs`).
//! `no_std`: the test kit (`tests/testkit`) shares this file.

use linux_raw_sys::general as k;

/// `clone3(args, size_of::<clone_args>())` whose child exits at once with
/// status 0 (see [`exit_child`]); the parent's raw result.
///
/// # Safety
///
/// Every pointer in `args` the flags make the kernel write to must be valid
/// for that write; `stack` and `stack_size` must describe memory nothing else
/// uses while the child lives.
pub unsafe fn clone3_exit_child(args: &k::clone_args) -> isize {
    let size = core::mem::size_of::<k::clone_args>();
    let args = [core::ptr::from_ref(args) as usize, size, 0, 0, 0];
    // SAFETY: forwarded from the caller.
    unsafe { exit_child(k::__NR_clone3 as usize, args) as isize }
}

/// The raw legacy `clone` with all 64 bits of `flags` (the crate's `clone`
/// takes a C `int`), in this architecture's argument order; the child exits
/// at once with status 0. Returns the parent's raw result.
///
/// # Safety
///
/// `ptid`, `ctid` must be valid for the writes the flags ask for, `stack`
/// must be null or the top of memory nothing else uses while the child lives.
pub unsafe fn clone_exit_child(
    flags: u64,
    stack: *mut u8,
    ptid: *mut i32,
    ctid: *mut i32,
    tls: *mut u8,
) -> isize {
    let (stack, ptid, ctid, tls) = (stack as usize, ptid as usize, ctid as usize, tls as usize);
    #[cfg(target_arch = "x86_64")]
    let args = [flags as usize, stack, ptid, ctid, tls];
    #[cfg(not(target_arch = "x86_64"))]
    let args = [flags as usize, stack, ptid, tls, ctid];
    // SAFETY: forwarded from the caller.
    unsafe { exit_child(k::__NR_clone as usize, args) as isize }
}

/// A raw `clone` (x86_64 order: flags, stack, parent_tid, child_tid,
/// tls; aarch64: flags, stack, parent_tid, tls, child_tid) or `clone3`
/// (args, size) whose child, if any, exits at once with status 0: it
/// runs no Rust code, touches neither memory nor its stack, and so is
/// safe with any flags (CLONE_VM, CLONE_SETTLS, CLONE_THREAD). Returns
/// the parent's raw result.
///
/// # Safety
///
/// The pointers must be valid for every write the flags ask of the kernel.
unsafe fn exit_child(nr: usize, args: [usize; 5]) -> usize {
    let ret: usize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the syscall reads the registers; in the child (rax = 0) the
    // next instructions are `exit(0)`, so it never reaches Rust code.
    unsafe {
        core::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor edi, edi",
            "mov eax, {exit}",
            "syscall",
            "ud2",
            "2:",
            exit = const k::__NR_exit,
            inlateout("rax") nr => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            in("r8") args[4],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above; the child's x0 = 0 is also its exit status.
    unsafe {
        core::arch::asm!(
            "svc #0",
            "cbnz x0, 2f",
            "mov x8, #{exit}",
            "svc #0",
            "udf #0",
            "2:",
            exit = const k::__NR_exit,
            inlateout("x0") args[0] => ret,
            in("x1") args[1],
            in("x2") args[2],
            in("x3") args[3],
            in("x4") args[4],
            inlateout("x8") nr => _,
            options(nostack),
        );
    }
    #[cfg(target_arch = "riscv64")]
    // SAFETY: as above; the child's a0 = 0 is also its exit status.
    unsafe {
        core::arch::asm!(
            "ecall",
            "bnez a0, 2f",
            "li a7, {exit}",
            "ecall",
            "unimp",
            "2:",
            exit = const k::__NR_exit,
            inlateout("a0") args[0] => ret,
            in("a1") args[1],
            in("a2") args[2],
            in("a3") args[3],
            in("a4") args[4],
            inlateout("a7") nr => _,
            options(nostack),
        );
    }
    ret
}
