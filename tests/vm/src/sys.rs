//! The raw syscalls the runner makes itself (namespaces go through nsclone),
//! with those it shares with the other tests.

use core::ffi::{c_int, CStr};
use linux_raw_sys::general as k;
use linux_raw_sys::ioctl::{SIOCGIFFLAGS, SIOCSIFFLAGS};
use nsclone::{Errno, Result};

use crate::common_proc::{close, open};
pub use crate::common_proc::{mount, read_file, wait_pid};
pub use crate::common_sys::{check, has_cap_sys_admin, kernel_version, sethostname, shared_page};

/// Writes all of `bytes` to `fd` (gives up on an error: the console is all
/// the runner has to complain on).
pub fn write_all(fd: c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the kernel reads `bytes.len()` bytes of `bytes`.
        let ret = unsafe {
            sc::syscall3(
                k::__NR_write as usize,
                fd as usize,
                bytes.as_ptr() as usize,
                bytes.len(),
            )
        };
        match check(ret) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}

pub use nsclone::sys::exit_group;

pub fn getpid() -> c_int {
    // SAFETY: getpid takes no arguments.
    unsafe { sc::syscall0(k::__NR_getpid as usize) as c_int }
}

pub fn getuid() -> u32 {
    // SAFETY: getuid takes no arguments.
    unsafe { sc::syscall0(k::__NR_getuid as usize) as u32 }
}

pub fn kill(pid: c_int, signal: u32) -> Result<()> {
    // SAFETY: kill reads no memory.
    check(unsafe {
        sc::syscall2(
            k::__NR_kill as usize,
            pid as isize as usize,
            signal as usize,
        )
    })
    .map(drop)
}

/// mkdir(2) with mode 0755; an existing directory is fine.
pub fn mkdir(path: &CStr) -> Result<()> {
    // SAFETY: `path` is NUL-terminated.
    let ret = unsafe {
        sc::syscall3(
            k::__NR_mkdirat as usize,
            k::AT_FDCWD as isize as usize,
            path.as_ptr() as usize,
            0o755,
        )
    };
    match check(ret) {
        Err(Errno::EEXIST) | Ok(_) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Creates (or truncates) a file and writes `bytes` to it in one write.
pub fn write_file(path: &CStr, bytes: &[u8]) -> Result<()> {
    let fd = open(
        path.to_bytes_with_nul(),
        k::O_WRONLY | k::O_CREAT | k::O_TRUNC,
    )?;
    // SAFETY: the kernel reads `bytes.len()` bytes of `bytes`.
    let ret = unsafe {
        sc::syscall3(
            k::__NR_write as usize,
            fd,
            bytes.as_ptr() as usize,
            bytes.len(),
        )
    };
    close(fd);
    match check(ret)? {
        n if n == bytes.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// Whether `path` exists (faccessat F_OK).
pub fn exists(path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated.
    let ret = unsafe {
        sc::syscall3(
            k::__NR_faccessat as usize,
            k::AT_FDCWD as isize as usize,
            path.as_ptr() as usize,
            0,
        )
    };
    check(ret).is_ok()
}

/// uname(2): `struct new_utsname`, six NUL-padded 65-byte fields.
fn uname() -> [[u8; 65]; 6] {
    let mut uts = [[0u8; 65]; 6];
    // SAFETY: the kernel writes one `struct new_utsname`.
    unsafe { sc::syscall1(k::__NR_uname as usize, uts.as_mut_ptr() as usize) };
    uts
}

/// The UTS nodename (hostname), NUL-padded.
pub fn nodename() -> [u8; 65] {
    uname()[1]
}

/// Whether the hostname is `name`.
pub fn nodename_is(name: &[u8]) -> bool {
    let node = nodename();
    node.starts_with(name) && node[name.len()] == 0
}

pub fn sleep_ms(ms: u64) {
    let ts = k::__kernel_timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: (ms % 1000 * 1_000_000) as i64,
    };
    // SAFETY: the kernel reads one timespec; no remainder is asked for.
    unsafe {
        sc::syscall2(
            k::__NR_nanosleep as usize,
            core::ptr::from_ref(&ts) as usize,
            0,
        )
    };
}

/// CLOCK_MONOTONIC in nanoseconds.
pub fn monotonic_ns() -> i64 {
    let mut ts = k::__kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the kernel writes one timespec.
    unsafe {
        sc::syscall2(
            k::__NR_clock_gettime as usize,
            k::CLOCK_MONOTONIC as usize,
            core::ptr::from_mut(&mut ts) as usize,
        )
    };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// `IPC_CREAT` from linux/ipc.h.
pub const IPC_CREAT: u32 = 0o1000;

/// msgget(2): the id of the System V message queue `key` (IPC_CREAT in
/// `flags` creates it).
pub fn msgget(key: i32, flags: u32) -> Result<c_int> {
    // SAFETY: msgget takes plain values.
    check(unsafe { sc::syscall2(k::__NR_msgget as usize, key as usize, flags as usize) })
        .map(|id| id as c_int)
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
    // SAFETY: socket takes plain values.
    let sock = check(unsafe {
        sc::syscall3(
            k::__NR_socket as usize,
            linux_raw_sys::net::AF_INET as usize,
            (linux_raw_sys::net::SOCK_DGRAM | k::O_CLOEXEC) as usize,
            0,
        )
    })? as c_int;
    let mut req = IfreqFlags {
        name: *b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        flags: 0,
        _pad: [0; 22],
    };
    let ioctl = |cmd: usize, req: &mut IfreqFlags| {
        // SAFETY: the kernel reads and writes one `struct ifreq`.
        check(unsafe {
            sc::syscall3(
                k::__NR_ioctl as usize,
                sock as usize,
                cmd,
                core::ptr::from_mut(req) as usize,
            )
        })
    };
    let mut result = ioctl(SIOCGIFFLAGS as usize, &mut req);
    if result.is_ok() && set != 0 {
        req.flags |= set;
        result = ioctl(SIOCSIFFLAGS as usize, &mut req);
    }
    close(sock as usize);
    result.map(|_| req.flags)
}

/// Reaps every child that has already ended (orphans re-parented to PID 1).
pub fn reap_ended() {
    // SAFETY: wait4 with no status pointer writes nothing.
    while let Ok(1..) = check(unsafe {
        sc::syscall4(
            k::__NR_wait4 as usize,
            -1isize as usize,
            0,
            (k::WNOHANG | k::__WALL) as usize,
            0,
        )
    }) {}
}

/// Syncs and powers the machine off.
pub fn power_off() -> ! {
    // SAFETY: sync and reboot take plain values; reboot does not return
    // when it succeeds.
    unsafe {
        sc::syscall0(k::__NR_sync as usize);
        sc::syscall4(
            k::__NR_reboot as usize,
            k::LINUX_REBOOT_MAGIC1 as usize,
            k::LINUX_REBOOT_MAGIC2 as usize,
            k::LINUX_REBOOT_CMD_POWER_OFF as usize,
            0,
        );
    }
    exit_group(1)
}

/// Opens a directory (close-on-exec); the runner keeps it open.
pub fn open_dir(path: &CStr) -> Result<c_int> {
    open(path.to_bytes_with_nul(), k::O_RDONLY | k::O_DIRECTORY).map(|fd| fd as c_int)
}
