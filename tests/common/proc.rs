//! Raw file and process helpers for children of the test process: no
//! allocation, fixed buffers, NUL-terminated paths.

use core::ffi::CStr;
use linux_raw_sys::general as k;
use nsclone::sys::wait4;
use nsclone::{Errno, ExitStatus};

/// `path` up to its first NUL, as a C string.
fn c_path(path: &[u8]) -> &CStr {
    CStr::from_bytes_until_nul(path).expect("paths are NUL-terminated")
}

/// Reads up to `buf.len()` bytes of the file at `path` (NUL-terminated).
pub fn read_file(path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    nsclone::sys::read_file(c_path(path), buf)
}

/// Writes `data` to the file at `path` (NUL-terminated) in one write(2).
pub fn write_file(path: &[u8], data: &[u8]) -> Result<(), Errno> {
    let fd = nsclone::sys::open(c_path(path), k::O_WRONLY)?;
    match nsclone::sys::write(fd.as_fd(), data)? {
        n if n == data.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// mount(2) with NUL-terminated strings (`None` for null).
pub fn mount(source: &[u8], target: &[u8], fstype: Option<&[u8]>, flags: u32) -> Result<(), Errno> {
    nsclone::sys::mount(
        Some(c_path(source)),
        c_path(target),
        fstype.map(c_path),
        flags,
        None,
    )
}

/// Gives up the CPU while waiting for another process.
pub fn sched_yield() {
    // SAFETY: sched_yield has no arguments.
    let _ = unsafe { nsclone::sys::syscall(k::__NR_sched_yield, []) };
}

/// Reaps `pid` (wait4 with __WALL) and decodes its status, for children made
/// with the raw `clone` rather than `spawn`.
pub fn wait_pid(pid: i32) -> ExitStatus {
    match wait4(pid, k::__WALL) {
        Ok((_, status)) => ExitStatus::from_raw(status),
        Err(err) => panic!("wait4({pid}): {err}"),
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
    wait4(-1, k::WNOHANG | k::__WALL) == Err(Errno::ECHILD)
}
