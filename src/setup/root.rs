//! The child's new root: `pivot_root` into a directory, with the old root
//! detached, or `chroot`.

use crate::error::Step;
use crate::setup::report::Failure;
use crate::sys::errno::Result;
use crate::sys::{fs, syscall};
use core::ffi::CStr;
use linux_raw_sys::general::MNT_DETACH;

/// Where [`Setup::pivot_root`](crate::Setup::pivot_root) or
/// [`Setup::chroot`](crate::Setup::chroot) puts the child's root, and the
/// code of that one (a program links only the one it uses).
#[derive(Copy, Clone, Debug)]
pub(super) struct Root<'a> {
    /// The directory that becomes the root.
    pub(super) dir: &'a CStr,
    step: Step,
    enter: fn(&CStr) -> Result<()>,
}

impl<'a> Root<'a> {
    pub(super) const fn pivot(dir: &'a CStr) -> Root<'a> {
        Root {
            dir,
            step: Step::PivotRoot,
            enter: pivot_into,
        }
    }

    pub(super) const fn chroot(dir: &'a CStr) -> Root<'a> {
        Root {
            dir,
            step: Step::Chroot,
            enter: chroot_into,
        }
    }

    /// In the child: moves its root, then its working directory to it.
    pub(super) fn enter(&self) -> core::result::Result<(), Failure> {
        Failure::of(self.step, 0, (self.enter)(self.dir))
    }
}

fn chroot_into(dir: &CStr) -> Result<()> {
    syscall::chroot(dir)?;
    syscall::chdir(c"/")
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
