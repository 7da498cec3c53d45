//! Helpers shared by the integration tests: raw syscalls usable in a child of
//! a multithreaded test process (no allocation, no libc locks), running code
//! in a sacrificial child, dropping privileges, and visible skips.
#![allow(dead_code)]

pub mod kernel_lines;
pub mod proc;
pub mod raw_clone;
pub mod seccomp;
pub mod sp_probe;
pub mod sys;

use core::ffi::c_char;
use core::ffi::{c_int, CStr};
use kernel_lines::{Line, Side};
use linux_raw_sys::general as k;
use nsclone::sys::syscall;
use nsclone::{CStrArray, Child, Errno, Error, ExitStatus, MmapStack, Spawn};

/// prctl(2) option: whether the process may dump core and owns its /proc files.
const PR_SET_DUMPABLE: usize = 4;

/// The unprivileged uid and gid the tests drop to.
pub const NOBODY: u32 = 65534;

/// Whether the tests run under qemu-user (the cargo runner sets this), which
/// rejects every CLONE_NEW* flag with EINVAL and turns vfork into fork.
pub fn under_qemu_user() -> bool {
    std::env::var_os("NSCLONE_QEMU_USER").is_some()
}

/// Whether the tests run in the VM tier (its runner sets this): one
/// emulated CPU, where loops sized for a real machine take minutes.
pub fn in_vm_tier() -> bool {
    std::env::var_os("NSCLONE_VM_TIER").is_some()
}

/// Prints a visible skip line and returns from the test when `$cond` holds.
#[macro_export]
macro_rules! skip_if {
    ($cond:expr, $why:expr) => {
        if $cond {
            eprintln!("SKIPPED {}: {}", module_path!(), $why);
            return;
        }
    };
}

/// Skips a test that needs namespaces when running under qemu-user.
#[macro_export]
macro_rules! skip_under_qemu_user {
    () => {
        $crate::skip_if!(
            $crate::common::under_qemu_user(),
            "qemu-user rejects CLONE_NEW* flags with EINVAL; the VM tier covers this"
        )
    };
}

/// The running kernel's side of `line` (its probe's answer), printed so
/// that the test's output names the line it checked and the side.
pub fn kernel_line(line: &Line) -> Side {
    let side = line.side();
    eprintln!("kernel line {} {}: {side}", line.since, line.feature);
    side
}

pub fn geteuid() -> u32 {
    nsclone::sys::effective_ids().0
}

pub fn getegid() -> u32 {
    nsclone::sys::effective_ids().1
}

pub fn is_root() -> bool {
    geteuid() == 0
}

/// The nodename from uname(2), NUL-padded.
pub fn hostname() -> [u8; 65] {
    let uts = nsclone::sys::uname();
    let mut name = [0; 65];
    name[..uts.nodename().len()].copy_from_slice(uts.nodename());
    name
}

/// The inode number in the `/proc/self/ns/<kind>` link ("uts:[4026531838]").
pub fn ns_inode(path: &CStr) -> u64 {
    let mut buf = [0u8; 64];
    let args = [
        k::AT_FDCWD as usize,
        path.as_ptr() as usize,
        buf.as_mut_ptr() as usize,
        buf.len(),
    ];
    // SAFETY: `path` is NUL-terminated and `buf` has room for 64 bytes.
    let len = unsafe { syscall(k::__NR_readlinkat, args) }.unwrap_or(0);
    buf[..len]
        .iter()
        .filter(|b| b.is_ascii_digit())
        .fold(0, |n, &b| n * 10 + u64::from(b - b'0'))
}

/// Drops to uid and gid 65534 with no supplementary groups, and stays
/// dumpable so that uid 65534 still owns its (and its children's) /proc files.
pub fn become_nobody() -> Result<(), Errno> {
    // SAFETY: a null list with size 0 clears the supplementary groups;
    // setgid, setuid and PR_SET_DUMPABLE take plain values.
    unsafe {
        syscall(k::__NR_setgroups, [0, 0])?;
        syscall(k::__NR_setgid, [NOBODY as usize])?;
        syscall(k::__NR_setuid, [NOBODY as usize])?;
        syscall(k::__NR_prctl, [PR_SET_DUMPABLE, 1])?;
    }
    Ok(())
}

/// Runs `f` in a child made by the C library's fork(2) and returns how it
/// ended (a panic in `f` ends it with status 101). `f` may allocate and
/// use std: fork makes the allocator's locks the child's own, where a
/// raw clone of this multithreaded test process could leave one held by
/// another test's thread for ever (seen as a helper stuck in futex_wait).
pub fn in_child(f: impl FnOnce() -> c_int) -> ExitStatus {
    // SAFETY: the child runs `f` and ends with _exit, never returning into
    // the test harness; fork's own handlers keep the C library usable.
    match unsafe { libc::fork() } {
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
            // SAFETY: ends this child only.
            unsafe { libc::_exit(code) }
        }
        pid => {
            assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
            match nsclone::sys::wait4(pid, k::__WALL) {
                Ok((_, status)) => ExitStatus::from_raw(status),
                Err(err) => panic!("wait for the helper child: {err}"),
            }
        }
    }
}

/// Exit status of an [`in_child_as_nobody`] helper that could not drop privileges.
pub const COULD_NOT_BECOME_NOBODY: c_int = 90;

/// Runs `f` as uid and gid 65534 in a fork-like child and returns how it ended.
pub fn in_child_as_nobody(f: impl FnOnce() -> c_int) -> ExitStatus {
    in_child(|| match become_nobody() {
        Ok(()) => f(),
        Err(_) => COULD_NOT_BECOME_NOBODY,
    })
}

/// Recurses without end, each frame 512 bytes of live data, to run off the
/// stack it is on.
#[inline(never)]
pub fn recurse_forever(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 64]);
    if depth == u64::MAX {
        return 0;
    }
    recurse_forever(depth + 1) + frame[3]
}

/// A page of memory shared with children (MAP_SHARED), for results bigger
/// than an exit status.
pub struct SharedPage<T: Copy> {
    ptr: *mut T,
}

impl<T: Copy> SharedPage<T> {
    pub fn new(init: T) -> Self {
        assert!(core::mem::size_of::<T>() <= 4096);
        let ptr = sys::shared_page().expect("mmap a shared page").cast::<T>();
        // SAFETY: the page is ours, writable and big enough.
        unsafe { ptr.write(init) };
        SharedPage { ptr }
    }

    pub fn get(&self) -> T {
        // SAFETY: initialized in `new`; volatile because a child wrote it.
        unsafe { self.ptr.read_volatile() }
    }

    pub fn set(&self, value: T) {
        // SAFETY: the page is writable for as long as `self` lives.
        unsafe { self.ptr.write_volatile(value) }
    }
}

impl<T: Copy> Drop for SharedPage<T> {
    fn drop(&mut self) {
        // SAFETY: our own mapping, no longer used.
        let _ = unsafe { syscall(k::__NR_munmap, [self.ptr as usize, 4096]) };
    }
}

/// The mount point of the cgroup2 hierarchy (NUL-terminated), or
/// /sys/fs/cgroup if there is none (the kernel then answers EBADF).
pub fn cgroup2_dir() -> Vec<u8> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let dir = mounts
        .lines()
        .map(|line| line.split(' ').collect::<Vec<_>>())
        .find(|fields| fields.len() > 2 && fields[2] == "cgroup2")
        .map_or("/sys/fs/cgroup".to_string(), |fields| fields[1].to_string());
    let mut path = dir.into_bytes();
    path.push(0);
    path
}

/// Starts `path` (a bare name searched in `env`'s `PATH`) with `argv` and
/// the environment `env` through `request`'s `exec`, on a fresh stack.
pub fn exec(
    request: Spawn<'_>,
    path: &CStr,
    argv: &[&CStr],
    env: &[&CStr],
) -> Result<Child, Error> {
    let mut stack = MmapStack::new(64 * 1024).expect("mmap a child stack");
    let mut argv_buf = [core::ptr::null::<c_char>(); 8];
    let argv = CStrArray::new(argv, &mut argv_buf)?;
    let mut env_buf = [core::ptr::null::<c_char>(); 8];
    let envp = CStrArray::new(env, &mut env_buf)?;
    request.exec(stack.as_mut_slice(), path, argv, envp)
}

/// `text` as a C string that lives as long as the test process.
pub fn leaked_c_str(text: impl Into<Vec<u8>>) -> &'static CStr {
    Box::leak(std::ffi::CString::new(text).unwrap().into_boxed_c_str())
}
