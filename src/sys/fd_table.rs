//! The calling process's descriptor table by number, as a child rearranges
//! it before exec: duplicating above a floor, opening with a mode, closing
//! ranges, and listing what is open (`/proc/self/fd`).

use crate::sys::errno::{Errno, Result};
use crate::sys::syscall::{close, open_numbered_with_mode, syscall};
use core::ffi::c_int;
use linux_raw_sys::general as k;

/// close_range(2)'s flag that marks the descriptors close-on-exec
/// instead of closing them (Linux 5.11; `linux/close_range.h`).
pub(crate) const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// `fcntl(fd, F_DUPFD_CLOEXEC, floor)`: a close-on-exec copy of `fd` at
/// the lowest free number from `floor` on.
pub(crate) fn dup_above(fd: c_int, floor: c_int) -> Result<c_int> {
    let args = [fd as usize, k::F_DUPFD_CLOEXEC as usize, floor as usize];
    // SAFETY: fcntl with F_DUPFD_CLOEXEC reads no memory; the copy is the caller's.
    unsafe { syscall(k::__NR_fcntl, args) }.map(|fd| fd as c_int)
}

/// Whether `fd` is open and close-on-exec (for the tests).
#[cfg(test)]
pub(crate) fn cloexec(fd: c_int) -> Option<bool> {
    // SAFETY: F_GETFD reads no memory.
    let flags = unsafe { syscall(k::__NR_fcntl, [fd as usize, k::F_GETFD as usize]) };
    flags.ok().map(|flags| flags & k::FD_CLOEXEC as usize != 0)
}

/// Closes every descriptor from `first` to `last` (close_range(2), Linux
/// 5.9; with `CLOSE_RANGE_CLOEXEC` in `flags`, 5.11, marks them
/// close-on-exec instead).
pub(crate) fn close_range(first: c_int, last: c_int, flags: u32) -> Result<()> {
    let args = [first as usize, last as u32 as usize, flags as usize];
    // SAFETY: close_range reads no memory; the caller owns the range.
    unsafe { syscall(k::__NR_close_range, args) }.map(drop)
}

/// Whether the other end of `fd` is still open somewhere: ppoll(2)
/// without waiting answers `POLLERR` on a pipe's write end once every read
/// end is closed, `POLLHUP` on a stream socket once its peer is. A failing
/// ppoll answers yes.
pub(crate) fn has_reader(fd: c_int) -> bool {
    let mut poll = k::pollfd {
        fd,
        events: 0,
        revents: 0,
    };
    let no_wait = k::__kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let args = [
        &mut poll as *mut k::pollfd as usize,
        1,
        &no_wait as *const k::__kernel_timespec as usize,
        0,
        0,
    ];
    // SAFETY: the kernel reads `no_wait` and reads and writes one `pollfd`;
    // a null signal mask is not read.
    let _ = unsafe { syscall(k::__NR_ppoll, args) };
    u32::from(poll.revents as u16) & (k::POLLERR | k::POLLHUP) == 0
}

/// Closes every open descriptor from `first` on for which `keep` says
/// no, as listed in `/proc/self/fd` (for kernels without close_range).
/// Listing again until nothing is left to close, as a directory read
/// while its entries go may skip some.
pub(crate) fn close_listed(first: c_int, keep: impl Fn(c_int) -> bool) -> Result<()> {
    let dir = open_numbered_with_mode(c"/proc/self/fd", k::O_RDONLY | k::O_DIRECTORY, 0)?;
    let result = loop {
        match close_pass(dir, first, &keep) {
            Ok(0) => break Ok(()),
            Ok(_) => {}
            Err(err) => break Err(err),
        }
    };
    close(dir);
    result
}

/// One read of `/proc/self/fd` from its start through `dir`, closing what
/// `keep` refuses: how many it closed.
fn close_pass(dir: c_int, first: c_int, keep: &impl Fn(c_int) -> bool) -> Result<usize> {
    // SAFETY: lseek reads no memory.
    unsafe { syscall(k::__NR_lseek, [dir as usize, 0, k::SEEK_SET as usize]) }?;
    let mut closed = 0;
    let mut buf = [0u64; 128];
    loop {
        let args = [dir as usize, buf.as_mut_ptr() as usize, size_of_val(&buf)];
        // SAFETY: the kernel writes at most `buf`'s size of records into it.
        let len = unsafe { syscall(k::__NR_getdents64, args) }?;
        if len == 0 {
            return Ok(closed);
        }
        // SAFETY: the kernel wrote `len` bytes of `linux_dirent64` records.
        let bytes = unsafe { core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) };
        let mut at = 0;
        while at + 19 < len {
            // d_reclen at byte 16, the NUL-terminated name at byte 19.
            let reclen = usize::from(u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]));
            if reclen == 0 {
                return Err(Errno::EIO);
            }
            let name = &bytes[at + 19..(at + reclen).min(len)];
            if let Some(fd) = fd_number(name) {
                if fd >= first && fd != dir && !keep(fd) {
                    close(fd);
                    closed += 1;
                }
            }
            at += reclen;
        }
    }
}

/// The descriptor a `/proc/self/fd` entry names (`.` and `..` name none).
fn fd_number(name: &[u8]) -> Option<c_int> {
    let digits = name.split(|&b| b == 0).next()?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0 as c_int, |n, &d| {
        n.checked_mul(10)?.checked_add(c_int::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::has_reader;
    use crate::sys::fd::AsRawFd;
    use crate::sys::syscall::pipe;

    #[test]
    fn a_pipe_has_a_reader_until_its_read_end_closes() {
        let (read, write) = pipe().unwrap();
        assert!(has_reader(write.as_raw_fd()));
        drop(read);
        assert!(!has_reader(write.as_raw_fd()));
    }
}
