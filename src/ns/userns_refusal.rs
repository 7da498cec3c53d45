//! Why the kernel refused a user namespace: the usual causes, read from the
//! sysctls and the caller's root, for an error message a person can act on.

use crate::sys::fd::AsFd;
use crate::sys::proc_path::ProcPath;
use crate::sys::syscall;
use core::ffi::CStr;
use linux_raw_sys::general::{O_PATH, O_RDONLY};

/// The likely reason the kernel refused to create a user namespace (`EPERM`
/// or `ENOSPC` from a clone, clone3 or unshare with `CLONE_NEWUSER`), or
/// `None` if none of the usual causes holds:
///
/// - `user.max_user_namespaces` is 0 (or the count is used up);
/// - `kernel.unprivileged_userns_clone` is 0 (a Debian and Ubuntu patch);
/// - `kernel.apparmor_restrict_unprivileged_userns` is 1 (Ubuntu 23.10+);
/// - the caller is in a chroot, where the kernel never allows one.
///
/// # Examples
///
/// ```
/// use nsclone::{spawn, user_namespace_refusal_cause, CloneFlags, MmapStack};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child returns at once.
/// match unsafe { spawn(CloneFlags::NEWUSER, stack.as_mut_slice(), || 0) } {
///     Ok(mut child) => assert!(child.wait()?.success()),
///     Err(err) => {
///         let cause = user_namespace_refusal_cause().unwrap_or("none of the usual causes");
///         eprintln!("cannot create a user namespace: {err} ({cause})");
///     }
/// }
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn user_namespace_refusal_cause() -> Option<&'static str> {
    let (euid, _) = syscall::effective_ids();
    if sysctl_is(c"/proc/sys/user/max_user_namespaces", b"0") {
        return Some("user namespaces are disabled: sysctl user.max_user_namespaces is 0");
    }
    if euid != 0 && sysctl_is(c"/proc/sys/kernel/unprivileged_userns_clone", b"0") {
        return Some("unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone is 0");
    }
    if euid != 0
        && sysctl_is(
            c"/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
            b"1",
        )
    {
        return Some(
            "AppArmor restricts unprivileged user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns is 1",
        );
    }
    if in_chroot() {
        return Some("the caller is in a chroot, where the kernel refuses new user namespaces");
    }
    None
}

/// Whether the file at `path` holds `value` (and a newline).
fn sysctl_is(path: &CStr, value: &[u8]) -> bool {
    let Ok(fd) = syscall::open(path, O_RDONLY) else {
        return false;
    };
    let mut text = [0u8; 16];
    let len = syscall::read(&fd, &mut text).unwrap_or(0);
    text[..len].trim_ascii_end() == value
}

/// Whether the caller's root differs from that of PID 1 in its PID namespace,
/// the usual sign of a chroot.
fn in_chroot() -> bool {
    let identity = |path: &CStr| {
        let fd = syscall::open(path, O_PATH).ok()?;
        syscall::file_identity(fd.as_fd()).ok()
    };
    let Ok(init_root) = ProcPath::new(1, &[b"root/"]) else {
        return false;
    };
    match (identity(c"/"), identity(init_root.as_c_str())) {
        (Some(ours), Some(inits)) => ours != inits,
        _ => false,
    }
}
