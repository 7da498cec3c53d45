//! seccomp(2) filters: the classic BPF instruction and installing a
//! program for the calling thread.

use crate::sys::errno::Result;
use crate::sys::syscall::syscall;
use core::ffi::c_int;
use core::mem::size_of;
use linux_raw_sys::general as k;
use static_assertions::const_assert_eq;

/// One classic BPF instruction (`struct sock_filter`), as a seccomp filter
/// is made of (seccomp(2), `linux/filter.h`).
#[repr(C)]
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct SockFilter {
    /// The operation (`BPF_LD | BPF_W | BPF_ABS`, `BPF_RET | BPF_K`, ...).
    pub code: u16,
    /// Where a jump goes when its test holds: instructions to skip.
    pub jt: u8,
    /// Where a jump goes when its test fails: instructions to skip.
    pub jf: u8,
    /// The operand: an offset into `seccomp_data`, a value, an action.
    pub k: u32,
}

const_assert_eq!(size_of::<SockFilter>(), 8);

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// seccomp(2)'s operation that installs a filter.
const SECCOMP_SET_MODE_FILTER: usize = 1;

/// The flag that asks for a user-notification descriptor (Linux 5.0).
pub(crate) const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;

/// Installs `filter` for the calling thread with `flags`; returns what
/// seccomp(2) does (0, or a descriptor for the flags that ask for one).
/// `EINVAL` for a program longer than `u16::MAX`.
pub(crate) fn install_filter(filter: &[SockFilter], flags: u32) -> Result<c_int> {
    let len = u16::try_from(filter.len()).map_err(|_| crate::Errno::EINVAL)?;
    let program = SockFprog {
        len,
        filter: filter.as_ptr(),
    };
    let args = [
        SECCOMP_SET_MODE_FILTER,
        flags as usize,
        &program as *const SockFprog as usize,
    ];
    // SAFETY: the kernel copies `len` instructions from `filter`, alive
    // across the call.
    unsafe { syscall(k::__NR_seccomp, args) }.map(|fd| fd as c_int)
}
