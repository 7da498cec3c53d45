//! Raw file and process helpers for children of the test process: no
//! allocation, fixed buffers, NUL-terminated paths.

use super::check;
use linux_raw_sys::general as k;
use nsclone::{Errno, ExitStatus};

/// Reads up to `buf.len()` bytes of the file at `path` (NUL-terminated).
pub fn read_file(path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    let fd = open(path, k::O_RDONLY)?;
    let mut len = 0;
    while len < buf.len() {
        // SAFETY: the kernel writes at most the free tail of `buf`.
        let ret = unsafe {
            sc::syscall3(
                k::__NR_read as usize,
                fd,
                buf[len..].as_mut_ptr() as usize,
                buf.len() - len,
            )
        };
        match check(ret) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(err) => {
                close(fd);
                return Err(err);
            }
        }
    }
    close(fd);
    Ok(len)
}

/// Writes `data` to the file at `path` (NUL-terminated) in one write(2).
pub fn write_file(path: &[u8], data: &[u8]) -> Result<(), Errno> {
    let fd = open(path, k::O_WRONLY)?;
    // SAFETY: the kernel reads `data.len()` bytes of `data`.
    let ret = unsafe {
        sc::syscall3(
            k::__NR_write as usize,
            fd,
            data.as_ptr() as usize,
            data.len(),
        )
    };
    close(fd);
    check(ret).map(drop)
}

/// openat(2) of `path` (NUL-terminated), close-on-exec; a file it creates
/// gets mode 0644.
pub fn open(path: &[u8], flags: u32) -> Result<usize, Errno> {
    assert_eq!(path.last(), Some(&0), "paths are NUL-terminated");
    // SAFETY: `path` is NUL-terminated.
    check(unsafe {
        sc::syscall4(
            k::__NR_openat as usize,
            k::AT_FDCWD as isize as usize,
            path.as_ptr() as usize,
            (flags | k::O_CLOEXEC) as usize,
            0o644,
        )
    })
}

pub fn close(fd: usize) {
    // SAFETY: the caller's `fd`, which it does not use again.
    unsafe { sc::syscall1(k::__NR_close as usize, fd) };
}

/// mount(2) with NUL-terminated strings (`None` for null).
pub fn mount(source: &[u8], target: &[u8], fstype: Option<&[u8]>, flags: u32) -> Result<(), Errno> {
    let fstype = fstype.map_or(0, |t| t.as_ptr() as usize);
    // SAFETY: every pointer is a NUL-terminated string or null.
    check(unsafe {
        sc::syscall5(
            k::__NR_mount as usize,
            source.as_ptr() as usize,
            target.as_ptr() as usize,
            fstype,
            flags as usize,
            0,
        )
    })
    .map(drop)
}

/// Gives up the CPU while waiting for another process.
pub fn sched_yield() {
    // SAFETY: sched_yield has no arguments.
    unsafe { sc::syscall0(k::__NR_sched_yield as usize) };
}

/// Reaps `pid` (wait4 with __WALL) and decodes its status, for children made
/// with the raw `clone` rather than `spawn`.
pub fn wait_pid(pid: i32) -> ExitStatus {
    let mut status = 0i32;
    loop {
        // SAFETY: `status` is a valid int to write.
        let ret = unsafe {
            sc::syscall4(
                k::__NR_wait4 as usize,
                pid as isize as usize,
                &mut status as *mut i32 as usize,
                k::__WALL as usize,
                0,
            )
        };
        match check(ret) {
            Err(Errno::EINTR) => continue,
            Err(err) => panic!("wait4({pid}): {err}"),
            Ok(_) => break,
        }
    }
    match status & 0x7f {
        0 => ExitStatus::Exited((status >> 8) & 0xff),
        signal => ExitStatus::Signaled(signal),
    }
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `/proc/<pid>/<file>\0` in a fixed buffer.
pub fn proc_path(pid: i32, file: &[u8]) -> [u8; 64] {
    let mut path = [0u8; 64];
    let mut len = 0;
    let mut push = |bytes: &[u8]| {
        path[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    push(b"/proc/");
    let mut digits = [0u8; 10];
    let mut n = pid as u32;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    push(&digits[start..]);
    push(b"/");
    push(file);
    path
}

/// Whether this process has no child left, running or zombie
/// (wait4(-1, WNOHANG | __WALL) answers ECHILD).
pub fn no_child_left() -> bool {
    let mut status = 0;
    // SAFETY: `status` is a valid int; WNOHANG never blocks.
    let ret = unsafe {
        sc::syscall4(
            k::__NR_wait4 as usize,
            -1isize as usize,
            &mut status as *mut i32 as usize,
            (k::WNOHANG | k::__WALL) as usize,
            0,
        )
    };
    check(ret) == Err(Errno::ECHILD)
}
