//! Raw syscalls that need no std: shared by the integration tests, the fuzz
//! crate (`fuzz/invariants.rs`) and the VM runner (`tests/vm`), which
//! include this file.

use linux_raw_sys::general as k;
use nsclone::Errno;

/// Decodes a raw syscall return.
pub fn check(ret: usize) -> Result<usize, Errno> {
    if ret > (-4096isize) as usize {
        Err(Errno::from_raw(-(ret as isize) as i32))
    } else {
        Ok(ret)
    }
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
