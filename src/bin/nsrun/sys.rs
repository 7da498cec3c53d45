//! nsrun's own kernel calls, on `nsclone::sys` like the calls it shares
//! with the library (which it re-exports, so the program has one `sys`).

use core::ffi::c_int;
use core::sync::atomic::AtomicI32;
use linux_raw_sys::general as k;
pub use nsclone::sys::{
    chdir, chroot, effective_ids, exit_group, getpid, kill, mount, set_default_action, set_gid,
    set_mask, set_uid, setgroups, sethostname, SigSet,
};
use nsclone::sys::{syscall, write_all};
use nsclone::{BorrowedFd, Errno};

/// Writes `bytes` to fd `fd` (1 or 2); a failure is ignored, as there is
/// nowhere left to report it.
pub fn write(fd: c_int, bytes: &[u8]) {
    // SAFETY: fds 0 to 2 stay open for nsrun's whole life; nothing closes them.
    let _ = write_all(unsafe { BorrowedFd::borrow_raw(fd) }, bytes);
}

/// prctl(2) options nsrun sets (`linux/prctl.h`).
pub const PR_SET_PDEATHSIG: usize = 1;
pub const PR_SET_CHILD_SUBREAPER: usize = 36;

/// prctl(`option`, `value`), for the options above, which take a plain value.
pub fn prctl(option: usize, value: usize) -> Result<(), Errno> {
    // SAFETY: these options read no memory.
    unsafe { syscall(k::__NR_prctl, [option, value]) }.map(drop)
}

/// Waits for one signal of `set` (which must be blocked) and returns its number.
pub fn wait_signal(set: SigSet) -> c_int {
    let args = [&set as *const SigSet as usize, 0, 0, size_of::<SigSet>()];
    loop {
        // SAFETY: a null siginfo and timeout are allowed; `set` is a valid set.
        if let Ok(signal) = unsafe { syscall(k::__NR_rt_sigtimedwait, args) } {
            return signal as c_int;
        }
    }
}

/// Reaps one ended child without blocking: its pid and wait status.
pub fn reap_any() -> Option<(c_int, c_int)> {
    match nsclone::sys::wait4(-1, k::WNOHANG | k::__WALL) {
        Ok((0, _)) | Err(_) => None,
        Ok(ended) => Some(ended),
    }
}

/// One zeroed page shared with every child (MAP_SHARED), as an atomic word.
pub fn shared_word() -> Result<&'static AtomicI32, Errno> {
    let prot = k::PROT_READ | k::PROT_WRITE;
    let addr = nsclone::sys::mmap_anonymous(4096, prot, k::MAP_SHARED)?;
    // SAFETY: the page is zeroed, aligned, never unmapped: a valid AtomicI32 forever.
    Ok(unsafe { &*(addr as *const AtomicI32) })
}

/// Whether the process `pidfd` refers to has exited (ppoll with no wait: a
/// pidfd polls readable once its process is gone).
pub fn has_exited(pidfd: c_int) -> bool {
    #[repr(C)]
    struct PollFd {
        fd: c_int,
        events: i16,
        revents: i16,
    }
    let mut entry = PollFd {
        fd: pidfd,
        events: k::POLLIN as i16,
        revents: 0,
    };
    let no_wait = [0i64; 2];
    let args = [
        &mut entry as *mut PollFd as usize,
        1,
        no_wait.as_ptr() as usize,
        0,
        size_of::<SigSet>(),
    ];
    // SAFETY: one pollfd and a zero timespec, both valid for the call; no signal mask.
    let ready = unsafe { syscall(k::__NR_ppoll, args) };
    ready == Ok(1)
}
