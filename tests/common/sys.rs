//! Raw syscalls that need no std: shared by the integration tests, the fuzz
//! crate (`fuzz/invariants.rs`) and the VM runner (`tests/vm`), which
//! include this file.

use linux_raw_sys::general as k;
use nsclone::Errno;

/// Decodes a raw syscall return (the library's decoding, under the short
/// name the tests use).
pub fn check(ret: usize) -> Result<usize, Errno> {
    Errno::from_syscall(ret)
}

pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    // SAFETY: the kernel reads `name.len()` bytes of `name`.
    check(unsafe {
        sc::syscall2(
            k::__NR_sethostname as usize,
            name.as_ptr() as usize,
            name.len(),
        )
    })
    .map(drop)
}

/// A fresh zeroed page shared with every child (MAP_SHARED), for answers
/// that must survive the process that writes them.
pub fn shared_page() -> Result<*mut u8, Errno> {
    // SAFETY: a fresh anonymous mapping touches no existing memory.
    let ret = unsafe {
        sc::syscall6(
            k::__NR_mmap as usize,
            0,
            4096,
            (k::PROT_READ | k::PROT_WRITE) as usize,
            (k::MAP_SHARED | k::MAP_ANONYMOUS) as usize,
            usize::MAX,
            0,
        )
    };
    check(ret).map(|addr| addr as *mut u8)
}

/// The running kernel's (major, minor), from uname(2)'s release.
pub fn kernel_version() -> (u32, u32) {
    let mut uts = [[0u8; 65]; 6];
    // SAFETY: the kernel writes one `struct new_utsname`, six 65-byte fields.
    unsafe { sc::syscall1(k::__NR_uname as usize, uts.as_mut_ptr() as usize) };
    let mut numbers = uts[2].split(|b| !b.is_ascii_digit()).map(|digits| {
        digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    });
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
}

/// Whether this process holds CAP_SYS_ADMIN in its effective set (capget(2)).
pub fn has_cap_sys_admin() -> bool {
    let mut header = k::__user_cap_header_struct {
        version: k::_LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [k::__user_cap_data_struct {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: version 3 has the kernel write two data structs.
    let ret = unsafe {
        sc::syscall2(
            k::__NR_capget as usize,
            core::ptr::from_mut(&mut header) as usize,
            data.as_mut_ptr() as usize,
        )
    };
    check(ret).is_ok() && data[0].effective & (1 << k::CAP_SYS_ADMIN) != 0
}
