//! The runner's own kernel calls, on `nsclone::sys` like the calls it
//! shares with the library (which it re-exports, so the runner has one
//! `sys`).

use core::ffi::{c_int, CStr};
use linux_raw_sys::general as k;
use linux_raw_sys::ioctl::{SIOCGIFFLAGS, SIOCSIFFLAGS};
pub use nsclone::sys::{exit_group, getpid, kill, mount, read_file, sethostname};
use nsclone::sys::{open, syscall, uname, wait4, write_all};
use nsclone::{AsRawFd, BorrowedFd, Errno, FromRawFd, IntoRawFd, OwnedFd, Result};

/// Writes all of `bytes` to the console (fd 1); gives up on an error: the
/// console is all the runner has to complain on.
pub fn console(bytes: &[u8]) {
    // SAFETY: fd 1, the console, stays open for the runner's whole life.
    let _ = write_all(unsafe { BorrowedFd::borrow_raw(1) }, bytes);
}

pub fn getuid() -> u32 {
    // SAFETY: getuid reads no memory.
    unsafe { syscall(k::__NR_getuid, []) }.map_or(u32::MAX, |uid| uid as u32)
}

/// mkdir(2) with mode 0755; an existing directory is fine.
pub fn mkdir(path: &CStr) -> Result<()> {
    // SAFETY: `path` is NUL-terminated.
    match unsafe {
        syscall(
            k::__NR_mkdirat,
            [k::AT_FDCWD as usize, path.as_ptr() as usize, 0o755],
        )
    } {
        Err(Errno::EEXIST) | Ok(_) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Creates (or truncates) a file and writes `bytes` to it.
pub fn write_file(path: &CStr, bytes: &[u8]) -> Result<()> {
    let fd = open(path, k::O_WRONLY | k::O_CREAT | k::O_TRUNC)?;
    write_all(&fd, bytes)
}

/// Whether `path` exists (faccessat F_OK).
pub fn exists(path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated.
    unsafe {
        syscall(
            k::__NR_faccessat,
            [k::AT_FDCWD as usize, path.as_ptr() as usize, 0],
        )
    }
    .is_ok()
}

/// Whether the hostname is `name`.
pub fn nodename_is(name: &[u8]) -> bool {
    uname().nodename() == name
}

pub fn sleep_ms(ms: u64) {
    let ts = k::__kernel_timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: (ms % 1000 * 1_000_000) as i64,
    };
    // SAFETY: the kernel reads one timespec; no remainder is asked for.
    let _ = unsafe { syscall(k::__NR_nanosleep, [&ts as *const _ as usize, 0]) };
}

/// CLOCK_MONOTONIC in nanoseconds.
pub fn monotonic_ns() -> i64 {
    let mut ts = k::__kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let args = [k::CLOCK_MONOTONIC as usize, &mut ts as *mut _ as usize];
    // SAFETY: the kernel writes one timespec.
    let _ = unsafe { syscall(k::__NR_clock_gettime, args) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// A fresh zeroed page shared with every child (MAP_SHARED).
pub fn shared_page() -> Result<*mut u8> {
    nsclone::sys::mmap_anonymous(4096, k::PROT_READ | k::PROT_WRITE, k::MAP_SHARED)
}

/// `IPC_CREAT` from linux/ipc.h.
pub const IPC_CREAT: u32 = 0o1000;

/// msgget(2): the id of the System V message queue `key` (IPC_CREAT in
/// `flags` creates it).
pub fn msgget(key: i32, flags: u32) -> Result<c_int> {
    // SAFETY: msgget takes plain values.
    unsafe { syscall(k::__NR_msgget, [key as usize, flags as usize]) }.map(|id| id as c_int)
}

/// `struct ifreq` with the flags member (linux/if.h).
#[repr(C)]
struct IfreqFlags {
    name: [u8; 16],
    flags: i16,
    _pad: [u8; 22],
}

/// `IFF_UP` of `enum net_device_flags`, as `ifr_flags` holds it.
pub const IFF_UP: i16 = linux_raw_sys::net::net_device_flags::IFF_UP as i16;

/// The flags of the loopback interface, after OR-ing in `set` (0: only read).
pub fn loopback_flags(set: i16) -> Result<i16> {
    let family = linux_raw_sys::net::AF_INET as usize;
    let kind = (linux_raw_sys::net::SOCK_DGRAM | k::O_CLOEXEC) as usize;
    // SAFETY: socket takes plain values; the new descriptor is nobody else's.
    let sock = unsafe {
        syscall(k::__NR_socket, [family, kind, 0]).map(|fd| OwnedFd::from_raw_fd(fd as c_int))
    }?;
    let mut req = IfreqFlags {
        name: *b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        flags: 0,
        _pad: [0; 22],
    };
    let ioctl = |cmd: usize, req: &mut IfreqFlags| {
        let args = [
            sock.as_raw_fd() as usize,
            cmd,
            core::ptr::from_mut(req) as usize,
        ];
        // SAFETY: the kernel reads and writes one `struct ifreq`.
        unsafe { syscall(k::__NR_ioctl, args) }
    };
    let mut result = ioctl(SIOCGIFFLAGS as usize, &mut req);
    if result.is_ok() && set != 0 {
        req.flags |= set;
        result = ioctl(SIOCSIFFLAGS as usize, &mut req);
    }
    result.map(|_| req.flags)
}

/// Reaps every child that has already ended (orphans re-parented to PID 1).
pub fn reap_ended() {
    while let Ok((1.., _)) = wait4(-1, k::WNOHANG | k::__WALL) {}
}

/// Syncs and powers the machine off.
pub fn power_off() -> ! {
    let _ = nsclone::sys::power_off();
    exit_group(1)
}

/// Opens a directory (close-on-exec); the runner keeps it open.
pub fn open_dir(path: &CStr) -> Result<c_int> {
    open(path, k::O_RDONLY | k::O_DIRECTORY).map(|fd| fd.into_raw_fd())
}
