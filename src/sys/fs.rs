//! The filesystem calls a child makes to build its root: directories,
//! files and links as mount points, unmounting, `pivot_root`, the flags a
//! mount carries, attributes changed over a whole mount tree, and the new
//! mount API's detached copies, ID mapping and attaching.

use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use crate::sys::syscall::{close, open_numbered_with_mode, syscall};
use core::ffi::{c_int, CStr};
use core::mem::MaybeUninit;
use linux_raw_sys::general as k;

/// `mkdirat(AT_FDCWD, path, mode)`; a directory already there is no error.
pub(crate) fn make_dir(path: &CStr, mode: u32) -> Result<()> {
    let args = [k::AT_FDCWD as usize, path.as_ptr() as usize, mode as usize];
    // SAFETY: `path` is NUL-terminated.
    match unsafe { syscall(k::__NR_mkdirat, args) } {
        Ok(_) | Err(Errno::EEXIST) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Creates the empty file `path` with `mode` if it is missing (a mount
/// point for a file or a device node).
pub(crate) fn make_file(path: &CStr, mode: u32) -> Result<()> {
    let flags = k::O_WRONLY | k::O_CREAT | k::O_NOFOLLOW;
    close(open_numbered_with_mode(path, flags, mode)?);
    Ok(())
}

/// `symlinkat(target, AT_FDCWD, link)`.
pub(crate) fn make_symlink(target: &CStr, link: &CStr) -> Result<()> {
    let args = [
        target.as_ptr() as usize,
        k::AT_FDCWD as usize,
        link.as_ptr() as usize,
    ];
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall(k::__NR_symlinkat, args) }.map(drop)
}

/// `umount2(target, flags)`.
pub(crate) fn unmount(target: &CStr, flags: u32) -> Result<()> {
    // SAFETY: `target` is NUL-terminated.
    unsafe { syscall(k::__NR_umount2, [target.as_ptr() as usize, flags as usize]) }.map(drop)
}

/// `pivot_root(new_root, put_old)`.
pub(crate) fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<()> {
    let args = [new_root.as_ptr() as usize, put_old.as_ptr() as usize];
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall(k::__NR_pivot_root, args) }.map(drop)
}

/// The `MS_*` flags of the mount `path` is on that a remount must keep
/// (statfs(2)'s `f_flags`): those locked in a user namespace (`nosuid`,
/// `nodev`, `noexec`, the atime ones) and `rdonly`.
pub(crate) fn mount_flags(path: &CStr) -> Result<u32> {
    let mut stat = MaybeUninit::<k::statfs>::uninit();
    let args = [path.as_ptr() as usize, stat.as_mut_ptr() as usize];
    // SAFETY: the kernel fills one `struct statfs` on success.
    unsafe { syscall(k::__NR_statfs, args) }?;
    // SAFETY: statfs succeeded, so `stat` is initialized.
    let flags = unsafe { stat.assume_init() }.f_flags as u64;
    // statfs's ST_* bits and the MS_* flags they stand for.
    const KEPT: [(u64, u32); 7] = [
        (1, k::MS_RDONLY),
        (2, k::MS_NOSUID),
        (4, k::MS_NODEV),
        (8, k::MS_NOEXEC),
        (1024, k::MS_NOATIME),
        (2048, k::MS_NODIRATIME),
        (4096, k::MS_RELATIME),
    ];
    Ok(KEPT
        .iter()
        .filter(|(st, _)| flags & st != 0)
        .fold(0, |ms, (_, flag)| ms | flag))
}

/// Makes the mount at `path` and every mount under it read-only
/// (mount_setattr(2) with `AT_RECURSIVE`, Linux 5.12).
pub(crate) fn make_tree_read_only(path: &CStr) -> Result<()> {
    let attr = k::mount_attr {
        attr_set: u64::from(k::MOUNT_ATTR_RDONLY),
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let args = [
        k::AT_FDCWD as usize,
        path.as_ptr() as usize,
        k::AT_RECURSIVE as usize,
        &attr as *const _ as usize,
        size_of_val(&attr),
    ];
    // SAFETY: `path` is NUL-terminated and the kernel reads `attr` only.
    unsafe { syscall(k::__NR_mount_setattr, args) }.map(drop)
}

/// `open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)` (Linux
/// 5.2): a detached copy of the mount at `path`, not yet attached anywhere.
pub(crate) fn detached_copy(path: &CStr) -> Result<OwnedFd> {
    let flags = k::OPEN_TREE_CLONE | k::OPEN_TREE_CLOEXEC;
    let args = [k::AT_FDCWD as usize, path.as_ptr() as usize, flags as usize];
    // SAFETY: `path` is NUL-terminated; the new descriptor is nobody else's.
    unsafe { syscall(k::__NR_open_tree, args).map(|fd| OwnedFd::from_raw_fd(fd as c_int)) }
}

/// Maps the IDs of the detached mount `mount` through the user namespace
/// `userns` (mount_setattr(2) with `MOUNT_ATTR_IDMAP`, Linux 5.12).
pub(crate) fn map_ids(mount: BorrowedFd<'_>, userns: BorrowedFd<'_>) -> Result<()> {
    let attr = k::mount_attr {
        attr_set: u64::from(k::MOUNT_ATTR_IDMAP),
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    let args = [
        mount.as_raw_fd() as usize,
        c"".as_ptr() as usize,
        k::AT_EMPTY_PATH as usize,
        &attr as *const _ as usize,
        size_of_val(&attr),
    ];
    // SAFETY: the empty path is NUL-terminated; the kernel reads `attr` only.
    unsafe { syscall(k::__NR_mount_setattr, args) }.map(drop)
}

/// Attaches the detached mount `mount` on `target` (move_mount(2), Linux 5.2).
pub(crate) fn attach(mount: c_int, target: &CStr) -> Result<()> {
    let args = [
        mount as usize,
        c"".as_ptr() as usize,
        k::AT_FDCWD as usize,
        target.as_ptr() as usize,
        k::MOVE_MOUNT_F_EMPTY_PATH as usize,
    ];
    // SAFETY: both paths are NUL-terminated.
    unsafe { syscall(k::__NR_move_mount, args) }.map(drop)
}
