//! The one place that calls the kernel (besides the clone trampolines): thin,
//! typed wrappers over `sc`'s raw syscalls that decode `-errno` into [`Errno`].

use crate::pid_t;
use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{BorrowedFd, OwnedFd};
use core::ffi::c_int;
use core::mem::MaybeUninit;
use linux_raw_sys::general as k;
use sc::{syscall1, syscall2, syscall3, syscall4, syscall6};

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

/// `close(fd)`; errors are ignored, as the fd is gone either way.
pub(crate) fn close(fd: c_int) {
    // SAFETY: closing a descriptor touches no memory; the caller owned it.
    unsafe { syscall1(k::__NR_close as usize, fd as usize) };
}

/// `openat(AT_FDCWD, path, flags | O_CLOEXEC)`; `path` ends with a NUL.
pub(crate) fn open(path: &[u8], flags: u32) -> Result<OwnedFd> {
    // Only the last byte is checked: a search for the NUL costs a memchr.
    if path.last() != Some(&0) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: `path` is NUL-terminated within its bounds.
    let ret = unsafe {
        syscall4(
            k::__NR_openat as usize,
            k::AT_FDCWD as isize as usize,
            path.as_ptr() as usize,
            (flags | k::O_CLOEXEC) as usize,
            0,
        )
    };
    // SAFETY: a fresh descriptor that nothing else owns.
    Errno::from_syscall(ret).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as c_int) })
}

/// The device and inode numbers of the file `fd` refers to (fstat(2)).
pub(crate) fn file_identity(fd: BorrowedFd<'_>) -> Result<(u64, u64)> {
    let mut stat = MaybeUninit::<k::stat>::uninit();
    // SAFETY: the kernel fills the whole `struct stat` on success.
    let ret = unsafe {
        syscall2(
            k::__NR_fstat as usize,
            fd.as_raw_fd() as usize,
            stat.as_mut_ptr() as usize,
        )
    };
    Errno::from_syscall(ret)?;
    // SAFETY: fstat succeeded, so `stat` is initialized.
    let stat = unsafe { stat.assume_init() };
    Ok((stat.st_dev, stat.st_ino))
}

/// `unshare(flags)`.
///
/// # Safety
///
/// Unsharing `CLONE_FILES`, `CLONE_FS`, `CLONE_VM`, `CLONE_SIGHAND` or
/// `CLONE_THREAD` changes what the calling thread shares with others.
pub(crate) unsafe fn unshare(flags: u64) -> Result<()> {
    // SAFETY: the caller answers for the flags.
    let ret = unsafe { syscall1(k::__NR_unshare as usize, flags as usize) };
    Errno::from_syscall(ret).map(drop)
}

/// `setns(fd, nstype)`.
pub(crate) fn setns(fd: BorrowedFd<'_>, nstype: c_int) -> Result<()> {
    // SAFETY: setns reads no memory; it moves only the calling thread.
    let ret = unsafe {
        syscall2(
            k::__NR_setns as usize,
            fd.as_raw_fd() as usize,
            nstype as isize as usize,
        )
    };
    Errno::from_syscall(ret).map(drop)
}

/// `waitid(idtype, id, &info, WEXITED | options, NULL)` for a child that
/// ended: returns its `si_code` and `si_status`.
pub(crate) fn waitid(idtype: u32, id: c_int, options: u32) -> Result<(c_int, c_int)> {
    // siginfo_t is 128 bytes; for SIGCHLD, si_code is at byte 8 and si_status at byte 24.
    let mut info = [0 as c_int; 32];
    loop {
        // SAFETY: `info` has room for the kernel's 128-byte siginfo_t.
        let ret = unsafe {
            sc::syscall5(
                k::__NR_waitid as usize,
                idtype as usize,
                id as usize,
                info.as_mut_ptr() as usize,
                (k::WEXITED | options) as usize,
                0,
            )
        };
        match Errno::from_syscall(ret) {
            Err(Errno::EINTR) => continue,
            result => return result.map(|_| (info[2], info[6])),
        }
    }
}

/// `pidfd_send_signal(pidfd, sig, NULL, 0)`.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: c_int) -> Result<()> {
    // SAFETY: a null siginfo makes the kernel build one; no memory is read.
    let ret = unsafe {
        syscall4(
            k::__NR_pidfd_send_signal as usize,
            pidfd.as_raw_fd() as usize,
            sig as isize as usize,
            0,
            0,
        )
    };
    Errno::from_syscall(ret).map(drop)
}

/// `write(fd, data)`, once: returns how much the kernel took.
pub(crate) fn write(fd: BorrowedFd<'_>, data: &[u8]) -> Result<usize> {
    // SAFETY: the kernel reads at most `data.len()` bytes of `data`.
    let ret = unsafe {
        syscall3(
            k::__NR_write as usize,
            fd.as_raw_fd() as usize,
            data.as_ptr() as usize,
            data.len(),
        )
    };
    Errno::from_syscall(ret)
}

/// `read(fd, buf)`, once, retrying `EINTR`: returns how much was read.
pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    loop {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        let ret = unsafe {
            syscall3(
                k::__NR_read as usize,
                fd.as_raw_fd() as usize,
                buf.as_mut_ptr() as usize,
                buf.len(),
            )
        };
        match Errno::from_syscall(ret) {
            Err(Errno::EINTR) => continue,
            result => return result,
        }
    }
}

/// `pipe2(O_CLOEXEC)`: the read end, then the write end.
pub(crate) fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    let ret = unsafe {
        syscall2(
            k::__NR_pipe2 as usize,
            fds.as_mut_ptr() as usize,
            k::O_CLOEXEC as usize,
        )
    };
    Errno::from_syscall(ret)?;
    // SAFETY: two fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The caller's effective user and group IDs (geteuid(2), getegid(2)).
pub fn effective_ids() -> (u32, u32) {
    // SAFETY: neither call takes arguments or touches memory.
    unsafe {
        (
            sc::syscall0(k::__NR_geteuid as usize) as u32,
            sc::syscall0(k::__NR_getegid as usize) as u32,
        )
    }
}

/// `pidfd_open(pid, 0)` (Linux 5.3+): a close-on-exec pidfd for `pid`.
/// Errors: `ESRCH` (no such process), `EINVAL`, `EMFILE`, `ENFILE`, `ENOMEM`.
pub(crate) fn pidfd_open(pid: pid_t) -> Result<OwnedFd> {
    // SAFETY: pidfd_open reads no memory.
    let ret = unsafe { syscall2(k::__NR_pidfd_open as usize, pid as isize as usize, 0) };
    // SAFETY: a fresh descriptor that nothing else owns.
    Errno::from_syscall(ret).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as c_int) })
}

/// Ends the calling process, every thread of it, with `status`
/// (exit_group(2)): no destructors, no `atexit` handlers, no buffers
/// flushed.
pub fn exit_group(status: c_int) -> ! {
    // SAFETY: exit_group reads no memory and does not return.
    unsafe { syscall1(k::__NR_exit_group as usize, status as usize) };
    unreachable!()
}
