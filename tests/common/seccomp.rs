//! A seccomp filter that makes one syscall fail, as container sandboxes do
//! with clone3 and old kernels with close_range (ENOSYS), to exercise the
//! crate's fallbacks and its seccomp step. Install it only in a child.

use linux_raw_sys::general as k;
use nsclone::sys::syscall;
use nsclone::{Errno, SockFilter};

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const PR_SET_NO_NEW_PRIVS: usize = 38;
const PR_SET_SECCOMP: usize = 22;
const SECCOMP_MODE_FILTER: usize = 2;

/// From now on, clone3 in this process (and its children) fails with
/// `errno`, as container profiles answer it (Docker's EPERM before 20.10.10).
pub fn make_clone3_fail(errno: Errno) -> Result<(), Errno> {
    make_fail(k::__NR_clone3, errno.raw() as u32)
}

/// A filter under which syscall `nr` fails with `errno` and every other
/// is allowed. seccomp_data.nr is the first word; the filter runs on one
/// arch only, so it need not check seccomp_data.arch.
pub fn answering(nr: u32, errno: u32) -> [SockFilter; 4] {
    let op = |code, jf, k| SockFilter { code, jt: 0, jf, k };
    [
        op(BPF_LD_W_ABS, 0, 0),
        op(BPF_JMP_JEQ_K, 1, nr),
        op(BPF_RET_K, 0, SECCOMP_RET_ERRNO | errno),
        op(BPF_RET_K, 0, SECCOMP_RET_ALLOW),
    ]
}

/// From now on, syscall `nr` in this process (and its children) fails with ENOSYS.
pub fn make_enosys(nr: u32) -> Result<(), Errno> {
    make_fail(nr, linux_raw_sys::errno::ENOSYS)
}

/// From now on, syscall `nr` in this process (and its children) fails with `errno`.
fn make_fail(nr: u32, errno: u32) -> Result<(), Errno> {
    let filter = answering(nr, errno);
    let program = SockFprog {
        len: filter.len() as u16,
        filter: filter.as_ptr(),
    };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes plain values.
    unsafe { syscall(k::__NR_prctl, [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0]) }?;
    let args = [
        PR_SET_SECCOMP,
        SECCOMP_MODE_FILTER,
        &program as *const SockFprog as usize,
    ];
    // SAFETY: `program` and `filter` live across the call; the kernel copies them.
    unsafe { syscall(k::__NR_prctl, args) }.map(drop)
}
