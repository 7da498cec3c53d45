//! The calling process's own attributes, as a child sets them up before it
//! runs a program: session, identity, resource limits, `prctl` bits, the
//! UTS names and the umask.

use crate::sys::errno::Result;
use crate::sys::signals::{block, set_mask, SigSet};
use crate::sys::syscall::syscall;
use core::ffi::c_int;
use linux_raw_sys::general as k;

/// prctl(2) options (`linux/prctl.h`).
const PR_SET_PDEATHSIG: usize = 1;
const PR_SET_KEEPCAPS: usize = 8;
const PR_CAPBSET_DROP: usize = 24;
const PR_SET_NO_NEW_PRIVS: usize = 38;
const PR_CAP_AMBIENT: usize = 47;
const PR_CAP_AMBIENT_RAISE: usize = 2;
const PR_CAP_AMBIENT_CLEAR_ALL: usize = 4;

/// setsid(2): a new session and process group led by the caller.
pub(crate) fn setsid() -> Result<()> {
    // SAFETY: setsid reads no memory.
    unsafe { syscall(k::__NR_setsid, []) }.map(drop)
}

/// The tty ioctls (`asm-generic/ioctls.h`, the same on every architecture
/// the crate supports).
const TIOCSCTTY: usize = 0x540e;
const TIOCSPGRP: usize = 0x5410;

/// Makes the terminal `fd` refers to the controlling terminal of the
/// caller's session (`TIOCSCTTY`, without stealing it from another).
pub(crate) fn set_controlling_terminal(fd: c_int) -> Result<()> {
    // SAFETY: TIOCSCTTY takes a plain value.
    unsafe { syscall(k::__NR_ioctl, [fd as usize, TIOCSCTTY, 0]) }.map(drop)
}

/// Makes the caller the leader of a new process group (setpgid(0, 0)),
/// then that group the foreground one of the terminal `fd` (`TIOCSPGRP`,
/// with `SIGTTOU` blocked, as a background group's call raises it).
pub(crate) fn take_foreground(fd: c_int) -> Result<()> {
    // SAFETY: setpgid and getpgid read no memory.
    let group = unsafe {
        syscall(k::__NR_setpgid, [0, 0])?;
        syscall(k::__NR_getpgid, [0])?
    } as c_int;
    let ttou: SigSet = 1 << (k::SIGTTOU - 1);
    let old = block(ttou);
    let args = [fd as usize, TIOCSPGRP, &group as *const c_int as usize];
    // SAFETY: TIOCSPGRP reads one int.
    let result = unsafe { syscall(k::__NR_ioctl, args) }.map(drop);
    set_mask(old);
    result
}

/// setdomainname(2): the UTS namespace's NIS domain name.
pub(crate) fn setdomainname(name: &[u8]) -> Result<()> {
    // SAFETY: the kernel reads `name.len()` bytes of `name`.
    unsafe { syscall(k::__NR_setdomainname, [name.as_ptr() as usize, name.len()]) }.map(drop)
}

/// umask(2); it cannot fail.
pub(crate) fn umask(mask: u32) {
    // SAFETY: umask reads no memory.
    let _ = unsafe { syscall(k::__NR_umask, [mask as usize]) };
}

/// prlimit64(0, resource, {soft, hard}, NULL): the caller's limit.
pub(crate) fn set_limit(resource: u32, soft: u64, hard: u64) -> Result<()> {
    let new = k::rlimit64 {
        rlim_cur: soft,
        rlim_max: hard,
    };
    let args = [0, resource as usize, &new as *const _ as usize, 0];
    // SAFETY: the kernel reads one `struct rlimit64`; no old value is asked for.
    unsafe { syscall(k::__NR_prlimit64, args) }.map(drop)
}

/// prlimit64(0, resource, NULL, &old): the caller's soft and hard limit.
pub(crate) fn limit(resource: u32) -> Result<(u64, u64)> {
    let mut old = k::rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let args = [0, resource as usize, 0, &mut old as *mut _ as usize];
    // SAFETY: the kernel writes one `struct rlimit64`.
    unsafe { syscall(k::__NR_prlimit64, args) }?;
    Ok((old.rlim_cur, old.rlim_max))
}

/// setgroups(2): the supplementary groups; [example](set_uid#examples).
///
/// # Errors
///
/// `EPERM` without `CAP_SETGID` (or in a user namespace whose setgroups
/// is denied), `EINVAL` for more than the kernel's limit.
pub fn setgroups(groups: &[u32]) -> Result<()> {
    // SAFETY: the kernel reads `groups.len()` gid_t values.
    unsafe { syscall(k::__NR_setgroups, [groups.len(), groups.as_ptr() as usize]) }.map(drop)
}

/// setresgid(gid, gid, gid): real, effective and saved group ID;
/// [example](set_uid#examples).
///
/// # Errors
///
/// `EPERM` without `CAP_SETGID`, `EINVAL` for a gid not mapped in the
/// caller's user namespace.
pub fn set_gid(gid: u32) -> Result<()> {
    let gid = gid as usize;
    // SAFETY: setresgid reads no memory.
    unsafe { syscall(k::__NR_setresgid, [gid, gid, gid]) }.map(drop)
}

/// setresuid(uid, uid, uid): real, effective and saved user ID.
///
/// # Errors
///
/// `EPERM` without `CAP_SETUID`, `EINVAL` for a uid not mapped in the
/// caller's user namespace, `EAGAIN` at the new uid's process limit.
///
/// # Examples
///
/// A child of root's drops to `nobody` for good, as before it runs a
/// program: the groups first and the uid last, as each call needs the
/// privilege the next one gives up.
///
/// ```
/// use nsclone::sys::{effective_ids, set_gid, set_uid, setgroups};
/// use nsclone::{spawn, CloneFlags, Errno, ExitStatus, MmapStack};
///
/// # // The calls need CAP_SETGID and CAP_SETUID: unprivileged, pass untried.
/// # if effective_ids().0 != 0 { return Ok(()); }
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         if setgroups(&[]).and(set_gid(65534)).and(set_uid(65534)).is_err() {
///             return 1;
///         }
///         // Every uid of the process is 65534 now: no way back to root.
///         let dropped = effective_ids() == (65534, 65534);
///         i32::from(!dropped || set_uid(0) != Err(Errno::EPERM))
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn set_uid(uid: u32) -> Result<()> {
    let uid = uid as usize;
    // SAFETY: setresuid reads no memory.
    unsafe { syscall(k::__NR_setresuid, [uid, uid, uid]) }.map(drop)
}

/// `PR_SET_NO_NEW_PRIVS`: execve can never grant privileges again.
pub(crate) fn set_no_new_privs() -> Result<()> {
    prctl([PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0])
}

/// `PR_SET_PDEATHSIG`: `signal` when the thread that created the caller exits.
pub(crate) fn set_parent_death_signal(signal: c_int) -> Result<()> {
    prctl([PR_SET_PDEATHSIG, signal as usize, 0, 0, 0])
}

/// prctl(2) with plain values.
fn prctl(args: [usize; 5]) -> Result<()> {
    // SAFETY: every option this module passes takes plain values, no pointers.
    unsafe { syscall(k::__NR_prctl, args) }.map(drop)
}

/// `PR_CAPBSET_DROP`: `cap` leaves the bounding set for good (`EINVAL`
/// past the kernel's last capability).
pub(crate) fn drop_bounding(cap: u32) -> Result<()> {
    prctl([PR_CAPBSET_DROP, cap as usize, 0, 0, 0])
}

/// `PR_SET_KEEPCAPS`: whether the permitted set survives a change of
/// every uid from 0 to others.
pub(crate) fn set_keep_caps(keep: bool) -> Result<()> {
    prctl([PR_SET_KEEPCAPS, usize::from(keep), 0, 0, 0])
}

/// capset(2), version 3, for the calling thread.
pub(crate) fn set_capabilities(effective: u64, permitted: u64, inheritable: u64) -> Result<()> {
    let mut header = k::__user_cap_header_struct {
        version: k::_LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let word = |set: u64, high: bool| (if high { set >> 32 } else { set }) as u32;
    let data = [false, true].map(|high| k::__user_cap_data_struct {
        effective: word(effective, high),
        permitted: word(permitted, high),
        inheritable: word(inheritable, high),
    });
    let args = [&mut header as *mut _ as usize, data.as_ptr() as usize];
    // SAFETY: version 3 has the kernel read two data structs.
    unsafe { syscall(k::__NR_capset, args) }.map(drop)
}

/// Empties the ambient set (`PR_CAP_AMBIENT_CLEAR_ALL`).
pub(crate) fn clear_ambient() -> Result<()> {
    prctl([PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0])
}

/// Adds `cap` to the ambient set (`PR_CAP_AMBIENT_RAISE`): it must be
/// permitted and inheritable.
pub(crate) fn raise_ambient(cap: u32) -> Result<()> {
    prctl([PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap as usize, 0, 0])
}
