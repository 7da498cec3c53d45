//! Compile-time pins of the ABI facts the assembly and the syscalls rely on:
//! a wrong value fails the build, not a test.

use core::mem::{offset_of, size_of};
use linux_raw_sys::general as k;
use static_assertions::const_assert_eq;

// clone_args as clone3 reads it: 88 bytes (CLONE_ARGS_SIZE_VER2), u64 fields.
const_assert_eq!(size_of::<k::clone_args>(), 88);
const_assert_eq!(k::CLONE_ARGS_SIZE_VER2, 88);
const_assert_eq!(offset_of!(k::clone_args, flags), 0);
const_assert_eq!(offset_of!(k::clone_args, pidfd), 8);
const_assert_eq!(offset_of!(k::clone_args, child_tid), 16);
const_assert_eq!(offset_of!(k::clone_args, parent_tid), 24);
const_assert_eq!(offset_of!(k::clone_args, exit_signal), 32);
const_assert_eq!(offset_of!(k::clone_args, stack), 40);
const_assert_eq!(offset_of!(k::clone_args, stack_size), 48);
const_assert_eq!(offset_of!(k::clone_args, tls), 56);
const_assert_eq!(offset_of!(k::clone_args, set_tid), 64);
const_assert_eq!(offset_of!(k::clone_args, set_tid_size), 72);
const_assert_eq!(offset_of!(k::clone_args, cgroup), 80);

// The CLONE_* values the checks and the legacy flags word depend on.
const_assert_eq!(k::CLONE_NEWTIME, 0x80);
const_assert_eq!(k::CLONE_VM, 0x100);
const_assert_eq!(k::CLONE_SIGHAND, 0x800);
const_assert_eq!(k::CLONE_PIDFD, 0x1000);
const_assert_eq!(k::CLONE_VFORK, 0x4000);
const_assert_eq!(k::CLONE_THREAD, 0x10000);
const_assert_eq!(k::CLONE_NEWNS, 0x20000);
const_assert_eq!(k::CLONE_DETACHED, 0x40_0000);
const_assert_eq!(k::CLONE_NEWUSER, 0x1000_0000);
const_assert_eq!(k::CLONE_NEWNET, 0x4000_0000);
const_assert_eq!(k::CLONE_IO, 0x8000_0000);
const_assert_eq!(k::CLONE_CLEAR_SIGHAND, 1 << 32);
const_assert_eq!(k::CLONE_INTO_CGROUP, 1 << 33);

// Syscall numbers, per architecture, as the trampolines and wrappers use them.
#[cfg(target_arch = "x86_64")]
mod numbers {
    use super::*;
    const_assert_eq!(k::__NR_clone, 56);
    const_assert_eq!(k::__NR_exit, 60);
    const_assert_eq!(k::__NR_wait4, 61);
    const_assert_eq!(k::__NR_kill, 62);
    const_assert_eq!(k::__NR_unshare, 272);
    const_assert_eq!(k::__NR_setns, 308);
}

#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
mod numbers {
    use super::*;
    const_assert_eq!(k::__NR_exit, 93);
    const_assert_eq!(k::__NR_unshare, 97);
    const_assert_eq!(k::__NR_clone, 220);
    const_assert_eq!(k::__NR_wait4, 260);
    const_assert_eq!(k::__NR_setns, 268);
    const_assert_eq!(k::__NR_kill, 129);
}

// Shared by every architecture.
const_assert_eq!(k::__NR_pidfd_send_signal, 424);
const_assert_eq!(k::__NR_pidfd_open, 434);
const_assert_eq!(k::__NR_clone3, 435);
