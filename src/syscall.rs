//! The one place that calls the kernel (besides the clone trampolines): thin,
//! typed wrappers over `sc`'s raw syscalls that decode `-errno` into [`Errno`].

use crate::errno::{Errno, Result};
use crate::pid_t;
use core::ffi::c_int;
use linux_raw_sys::general as k;
use sc::{syscall2, syscall3, syscall4, syscall6};

/// `mmap(NULL, len, prot, flags, -1, 0)` for anonymous memory.
pub(crate) fn mmap_anonymous(len: usize, prot: u32, flags: u32) -> Result<*mut u8> {
    // SAFETY: an anonymous mapping at an address the kernel picks touches no
    // existing memory.
    let ret = unsafe {
        syscall6(
            k::__NR_mmap as usize,
            0,
            len,
            prot as usize,
            (flags | k::MAP_ANONYMOUS) as usize,
            -1isize as usize,
            0,
        )
    };
    Errno::from_syscall(ret).map(|addr| addr as *mut u8)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing may use `[addr, addr + len)` afterwards.
pub(crate) unsafe fn munmap(addr: *mut u8, len: usize) -> Result<()> {
    // SAFETY: the caller gives up the range.
    let ret = unsafe { syscall2(k::__NR_munmap as usize, addr as usize, len) };
    Errno::from_syscall(ret).map(drop)
}

/// `mprotect(addr, len, prot)`.
///
/// # Safety
///
/// Nothing may rely on the old protection of `[addr, addr + len)`.
pub(crate) unsafe fn mprotect(addr: *mut u8, len: usize, prot: u32) -> Result<()> {
    // SAFETY: the caller owns the range and its protection.
    let ret = unsafe { syscall3(k::__NR_mprotect as usize, addr as usize, len, prot as usize) };
    Errno::from_syscall(ret).map(drop)
}

/// `wait4(pid, &status, options, NULL)`: returns the pid and the raw status word.
pub(crate) fn wait4(pid: pid_t, options: u32) -> Result<(pid_t, c_int)> {
    let mut status: c_int = 0;
    loop {
        // SAFETY: `status` is a valid place for the kernel to write one int.
        let ret = unsafe {
            syscall4(
                k::__NR_wait4 as usize,
                pid as isize as usize,
                &mut status as *mut c_int as usize,
                options as usize,
                0,
            )
        };
        match Errno::from_syscall(ret) {
            Err(Errno::EINTR) => continue,
            result => return result.map(|pid| (pid as pid_t, status)),
        }
    }
}

/// `kill(pid, sig)`.
pub(crate) fn kill(pid: pid_t, sig: c_int) -> Result<()> {
    // SAFETY: kill reads no memory.
    let ret = unsafe {
        syscall2(
            k::__NR_kill as usize,
            pid as isize as usize,
            sig as isize as usize,
        )
    };
    Errno::from_syscall(ret).map(drop)
}
