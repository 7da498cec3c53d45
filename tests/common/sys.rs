//! The tests' short names for kernel calls, on `nsclone::sys`.

use linux_raw_sys::general as k;
use nsclone::Errno;

/// A fresh zeroed page shared with every child (MAP_SHARED), for answers
/// that must survive the process that writes them.
pub fn shared_page() -> Result<*mut u8, Errno> {
    nsclone::sys::mmap_anonymous(4096, k::PROT_READ | k::PROT_WRITE, k::MAP_SHARED)
}
