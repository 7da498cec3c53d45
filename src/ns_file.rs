//! `open_ns` and `ns_id`: a process's namespaces as `/proc/<pid>/ns/<name>` files.

use crate::errno::{Errno, Result};
use crate::fd::OwnedFd;
use crate::namespace::Namespace;
use crate::{pid_t, syscall};

/// Room for `/proc/<10 digits>/ns/<longest name>` and the NUL.
const PATH_CAPACITY: usize = 40;

/// Opens the namespace file of kind `ns` of process `pid` (0: the caller),
/// close-on-exec, for [`crate::setns`] or to keep the namespace alive.
///
/// See namespaces(7) and open(2). Errors: `ENOENT` (no such process, or a
/// kind the kernel lacks), `EACCES` (ptrace access denied), `EINVAL` for a
/// negative pid.
pub fn open_ns(pid: pid_t, ns: Namespace) -> Result<OwnedFd> {
    let path = ns_path(pid, ns)?;
    syscall::open_readonly(&path)
}

/// The identity of process `pid`'s (0: the caller's) namespace of kind `ns`:
/// the inode number of its namespace file, the number in `uts:[4026531838]`.
/// Two processes share a namespace exactly when these are equal.
///
/// Errors: those of [`open_ns`], and fstat(2)'s.
pub fn ns_id(pid: pid_t, ns: Namespace) -> Result<u64> {
    syscall::inode(open_ns(pid, ns)?.as_fd())
}

/// `/proc/<pid>/ns/<name>\0` (or `/proc/self/...` for pid 0), built on the stack.
fn ns_path(pid: pid_t, ns: Namespace) -> Result<[u8; PATH_CAPACITY]> {
    let mut path = [0u8; PATH_CAPACITY];
    let mut len = 0;
    let mut push = |bytes: &[u8]| {
        path[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    push(b"/proc/");
    match pid {
        0 => push(b"self"),
        1.. => push(decimal(pid as u32, &mut [0; 10])),
        _ => return Err(Errno::EINVAL),
    }
    push(b"/ns/");
    push(ns.proc_name().as_bytes());
    Ok(path)
}

/// `n` in decimal, written to the end of `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &[u8]) -> &[u8] {
        &path[..path.iter().position(|&b| b == 0).unwrap()]
    }

    #[test]
    fn ns_paths_are_built_for_self_and_for_any_pid() {
        assert_eq!(
            text(&ns_path(0, Namespace::Mount).unwrap()),
            b"/proc/self/ns/mnt"
        );
        assert_eq!(
            text(&ns_path(1, Namespace::Uts).unwrap()),
            b"/proc/1/ns/uts"
        );
        assert_eq!(
            text(&ns_path(pid_t::MAX, Namespace::Cgroup).unwrap()),
            b"/proc/2147483647/ns/cgroup"
        );
        assert_eq!(ns_path(-1, Namespace::Net), Err(Errno::EINVAL));
    }
}
