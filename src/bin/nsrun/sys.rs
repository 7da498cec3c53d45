//! The raw syscalls nsrun makes itself (the namespaces go through nsclone,
//! and the calls it shares with nsclone come from `nsclone::sys`).

use core::ffi::{c_int, CStr};
use linux_raw_sys::general as k;
pub use nsclone::sys::{effective_ids, exit_group, set_default_action, set_mask, SigSet};
use nsclone::Errno;

pub fn write(fd: c_int, bytes: &[u8]) {
    // SAFETY: the kernel reads `bytes.len()` bytes of `bytes`.
    unsafe {
        sc::syscall3(
            k::__NR_write as usize,
            fd as usize,
            bytes.as_ptr() as usize,
            bytes.len(),
        )
    };
}

pub fn getpid() -> c_int {
    // SAFETY: getpid takes no arguments.
    unsafe { sc::syscall0(k::__NR_getpid as usize) as c_int }
}

pub fn kill(pid: c_int, signal: c_int) -> Result<(), Errno> {
    // SAFETY: kill reads no memory.
    Errno::from_syscall(unsafe {
        sc::syscall2(
            k::__NR_kill as usize,
            pid as isize as usize,
            signal as usize,
        )
    })
    .map(drop)
}

/// mount(2); `fstype` `None` for propagation changes.
pub fn mount(source: &CStr, target: &CStr, fstype: Option<&CStr>, flags: u32) -> Result<(), Errno> {
    let fstype = fstype.map_or(0, |t| t.as_ptr() as usize);
    // SAFETY: every pointer is a NUL-terminated string or null.
    Errno::from_syscall(unsafe {
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

pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    // SAFETY: the kernel reads `name.len()` bytes of `name`.
    Errno::from_syscall(unsafe {
        sc::syscall2(
            k::__NR_sethostname as usize,
            name.as_ptr() as usize,
            name.len(),
        )
    })
    .map(drop)
}

pub fn chroot(dir: &CStr) -> Result<(), Errno> {
    // SAFETY: `dir` is NUL-terminated.
    Errno::from_syscall(unsafe { sc::syscall1(k::__NR_chroot as usize, dir.as_ptr() as usize) })
        .map(drop)
}

pub fn chdir(dir: &CStr) -> Result<(), Errno> {
    // SAFETY: `dir` is NUL-terminated.
    Errno::from_syscall(unsafe { sc::syscall1(k::__NR_chdir as usize, dir.as_ptr() as usize) })
        .map(drop)
}

/// prctl(PR_SET_PDEATHSIG, signal): `signal` when the parent dies.
pub fn set_parent_death_signal(signal: c_int) -> Result<(), Errno> {
    const PR_SET_PDEATHSIG: usize = 1;
    // SAFETY: this prctl takes a plain value.
    Errno::from_syscall(unsafe {
        sc::syscall2(k::__NR_prctl as usize, PR_SET_PDEATHSIG, signal as usize)
    })
    .map(drop)
}

/// Waits for one signal of `set` (which must be blocked) and returns its number.
pub fn wait_signal(set: SigSet) -> c_int {
    loop {
        // SAFETY: a null siginfo and timeout are allowed; `set` is 8 bytes.
        let ret = unsafe {
            sc::syscall4(
                k::__NR_rt_sigtimedwait as usize,
                &set as *const SigSet as usize,
                0,
                0,
                8,
            )
        };
        if let Ok(signal) = Errno::from_syscall(ret) {
            return signal as c_int;
        }
    }
}

/// Reaps one ended child without blocking: its pid and wait status.
pub fn reap_any() -> Option<(c_int, c_int)> {
    let mut status: c_int = 0;
    // SAFETY: `status` is a valid int for the kernel to write.
    let ret = unsafe {
        sc::syscall4(
            k::__NR_wait4 as usize,
            -1isize as usize,
            &mut status as *mut c_int as usize,
            (k::WNOHANG | k::__WALL) as usize,
            0,
        )
    };
    match Errno::from_syscall(ret) {
        Ok(0) | Err(_) => None,
        Ok(pid) => Some((pid as c_int, status)),
    }
}

/// One zeroed page shared with every child (MAP_SHARED), as an atomic word.
pub fn shared_word() -> Result<&'static core::sync::atomic::AtomicI32, Errno> {
    // SAFETY: a fresh anonymous mapping touches no existing memory.
    let addr = Errno::from_syscall(unsafe {
        sc::syscall6(
            k::__NR_mmap as usize,
            0,
            4096,
            (k::PROT_READ | k::PROT_WRITE) as usize,
            (k::MAP_SHARED | k::MAP_ANONYMOUS) as usize,
            -1isize as usize,
            0,
        )
    })?;
    // SAFETY: the page is zeroed, aligned, never unmapped: a valid AtomicI32 forever.
    Ok(unsafe { &*(addr as *const core::sync::atomic::AtomicI32) })
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
    // SAFETY: one pollfd and a zero timespec, both valid for the call; no signal mask.
    let ret = unsafe {
        sc::syscall5(
            k::__NR_ppoll as usize,
            &mut entry as *mut PollFd as usize,
            1,
            no_wait.as_ptr() as usize,
            0,
            8,
        )
    };
    Errno::from_syscall(ret) == Ok(1)
}
