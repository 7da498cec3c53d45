//! Raw file and process helpers for children of the test process: no
//! allocation, fixed buffers. Files are read with `nsclone::sys::read_file`
//! and `/proc/<pid>/` paths built with `nsclone::sys::ProcPath`.

use core::ffi::CStr;
use linux_raw_sys::general as k;
use nsclone::sys::wait4;
use nsclone::{Errno, ExitStatus};

/// Writes `data` to the file at `path` in one write(2).
pub fn write_file(path: &CStr, data: &[u8]) -> Result<(), Errno> {
    let fd = nsclone::sys::open(path, k::O_WRONLY)?;
    match nsclone::sys::write(&fd, data)? {
        n if n == data.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
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

/// Whether this process has no child left, running or zombie
/// (wait4(-1, WNOHANG | __WALL) answers ECHILD).
pub fn no_child_left() -> bool {
    wait4(-1, k::WNOHANG | k::__WALL) == Err(Errno::ECHILD)
}
