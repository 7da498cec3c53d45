//! `/proc/<pid>/...` paths built on the stack, NUL-terminated.

use crate::pid_t;
use crate::sys::decimal::decimal;
use crate::sys::errno::{Errno, Result};
use core::ffi::CStr;

/// Room for `/proc/<10 digits>/` and the longest tail this crate and its
/// tests use.
const CAPACITY: usize = 48;

/// A NUL-terminated `/proc/<pid>/...` path, built on the stack without
/// allocating: for a `no_std` program, or a child of a multithreaded
/// process, that opens another process's `/proc` files.
///
/// # Examples
///
/// ```
/// use nsclone::sys::{getpid, read_file, ProcPath};
/// use nsclone::Errno;
///
/// let path = ProcPath::new(42, &[b"ns/", b"mnt"])?;
/// assert_eq!(path.as_c_str(), c"/proc/42/ns/mnt");
/// // Pid 0 is the caller, by `/proc/self`.
/// assert_eq!(ProcPath::new(0, &[b"stat"])?.as_c_str(), c"/proc/self/stat");
///
/// // This process's stat file, by its pid: it starts with that pid.
/// let pid = getpid();
/// let mut buf = [0; 64];
/// let len = read_file(ProcPath::new(pid, &[b"stat"])?.as_c_str(), &mut buf)?;
/// assert!(buf[..len].starts_with(format!("{pid} (").as_bytes()));
///
/// assert_eq!(ProcPath::new(-1, &[b"stat"]).err(), Some(Errno::EINVAL));
/// assert_eq!(ProcPath::new(1, &[&[b'x'; 40]]).err(), Some(Errno::ENAMETOOLONG));
/// # Ok::<(), Errno>(())
/// ```
pub struct ProcPath {
    bytes: [u8; CAPACITY],
}

impl ProcPath {
    /// `/proc/<pid>/` followed by the parts of `tail`, joined as they are
    /// (`/proc/self/...` for pid 0); [example](Self#examples).
    ///
    /// # Errors
    ///
    /// `EINVAL` for a negative pid, `ENAMETOOLONG` if the path and its NUL
    /// take more than 48 bytes.
    pub fn new(pid: pid_t, tail: &[&[u8]]) -> Result<ProcPath> {
        let mut digits = [0u8; 20];
        let pid: &[u8] = match pid {
            0 => b"self",
            1.. => decimal(pid as u64, &mut digits),
            _ => return Err(Errno::EINVAL),
        };
        let mut bytes = [0u8; CAPACITY];
        let mut len = 0;
        for part in [b"/proc/".as_slice(), pid, b"/"].iter().chain(tail) {
            let end = len + part.len();
            // Keep one byte for the NUL.
            if end >= CAPACITY {
                return Err(Errno::ENAMETOOLONG);
            }
            bytes[len..end].copy_from_slice(part);
            len = end;
        }
        Ok(ProcPath { bytes })
    }

    /// The path, NUL-terminated; [example](Self#examples).
    pub fn as_c_str(&self) -> &CStr {
        let len = self
            .bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(CAPACITY - 1);
        // SAFETY: `new` leaves the last byte 0, so the slice ends at its
        // first NUL, which it holds.
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.bytes[..=len]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_paths_are_built_for_self_and_for_any_pid() {
        let path = |pid, tail: &[&[u8]]| {
            ProcPath::new(pid, tail).map(|p| p.as_c_str().to_bytes_with_nul().to_vec())
        };
        extern crate std;
        use std::vec::Vec;
        let want = |s: &str| -> Result<Vec<u8>> { Ok([s.as_bytes(), b"\0"].concat()) };
        assert_eq!(path(0, &[b"ns/", b"mnt"]), want("/proc/self/ns/mnt"));
        assert_eq!(path(1, &[b"uid_map"]), want("/proc/1/uid_map"));
        assert_eq!(
            path(pid_t::MAX, &[b"ns/", b"cgroup"]),
            want("/proc/2147483647/ns/cgroup")
        );
        assert_eq!(path(-1, &[b"ns/net"]).unwrap_err(), Errno::EINVAL);
        assert_eq!(path(1, &[&[b'x'; 40]]).unwrap_err(), Errno::ENAMETOOLONG);
    }
}
