//! The calling process's own attributes, as a child sets them up before it
//! runs a program: session, identity, resource limits, `prctl` bits, the
//! UTS names and the umask.

use crate::sys::errno::Result;
use crate::sys::syscall::syscall;
use core::ffi::c_int;
use linux_raw_sys::general as k;

/// prctl(2) options.
const PR_SET_PDEATHSIG: usize = 1;
const PR_SET_NO_NEW_PRIVS: usize = 38;

/// setsid(2): a new session and process group led by the caller.
pub(crate) fn setsid() -> Result<()> {
    // SAFETY: setsid reads no memory.
    unsafe { syscall(k::__NR_setsid, []) }.map(drop)
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

/// setgroups(2): the supplementary groups.
pub(crate) fn setgroups(groups: &[u32]) -> Result<()> {
    // SAFETY: the kernel reads `groups.len()` gid_t values.
    unsafe { syscall(k::__NR_setgroups, [groups.len(), groups.as_ptr() as usize]) }.map(drop)
}

/// setresgid(gid, gid, gid): real, effective and saved group ID.
pub(crate) fn set_gid(gid: u32) -> Result<()> {
    let gid = gid as usize;
    // SAFETY: setresgid reads no memory.
    unsafe { syscall(k::__NR_setresgid, [gid, gid, gid]) }.map(drop)
}

/// setresuid(uid, uid, uid): real, effective and saved user ID.
pub(crate) fn set_uid(uid: u32) -> Result<()> {
    let uid = uid as usize;
    // SAFETY: setresuid reads no memory.
    unsafe { syscall(k::__NR_setresuid, [uid, uid, uid]) }.map(drop)
}

/// `PR_SET_NO_NEW_PRIVS`: execve can never grant privileges again.
pub(crate) fn set_no_new_privs() -> Result<()> {
    // SAFETY: prctl with plain values reads no memory.
    unsafe { syscall(k::__NR_prctl, [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0]) }.map(drop)
}

/// `PR_SET_PDEATHSIG`: `signal` when the thread that created the caller exits.
pub(crate) fn set_parent_death_signal(signal: c_int) -> Result<()> {
    // SAFETY: prctl with plain values reads no memory.
    unsafe { syscall(k::__NR_prctl, [PR_SET_PDEATHSIG, signal as usize]) }.map(drop)
}
