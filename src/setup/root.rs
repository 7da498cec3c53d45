//! The child's new root: `pivot_root` into a directory, with the old root
//! detached, or `chroot`.

use crate::error::Step;
use crate::setup::report::Failure;
use crate::sys::errno::Result;
use crate::sys::{fs, syscall};
use core::ffi::CStr;
use linux_raw_sys::general::MNT_DETACH;

/// Where [`Setup::pivot_root`](crate::Setup::pivot_root) or
/// [`Setup::chroot`](crate::Setup::chroot) puts the child's root.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Root<'a> {
    Pivot(&'a CStr),
    Chroot(&'a CStr),
}

impl<'a> Root<'a> {
    /// The directory that becomes the root.
    pub(super) fn dir(&self) -> &'a CStr {
        match *self {
            Root::Pivot(dir) | Root::Chroot(dir) => dir,
        }
    }

    /// In the child: moves its root, then its working directory to it.
    pub(super) fn enter(&self) -> core::result::Result<(), Failure> {
        match *self {
            Root::Pivot(dir) => Failure::of(Step::PivotRoot, 0, pivot_into(dir)),
            Root::Chroot(dir) => Failure::of(
                Step::Chroot,
                0,
                syscall::chroot(dir).and_then(|()| syscall::chdir(c"/")),
            ),
        }
    }
}

/// `pivot_root` without a directory for the old root: the old root is
/// stacked on the new one (`pivot_root(".", ".")`, as runc does), then
/// detached from under it.
fn pivot_into(dir: &CStr) -> Result<()> {
    syscall::chdir(dir)?;
    fs::pivot_root(c".", c".")?;
    fs::unmount(c".", MNT_DETACH)?;
    syscall::chdir(c"/")
}
