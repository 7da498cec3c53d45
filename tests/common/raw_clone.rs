//! A raw `clone` or `clone3` whose child exits at once, for asking the
//! kernel whether it accepts flags. Shared by the tests (`tests/common`) and
//! the fuzz crate (`fuzz/invariants/kernel.rs`), which include this file.

use linux_raw_sys::general as k;

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
pub unsafe fn clone_exit_child(nr: usize, args: [usize; 5]) -> usize {
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
