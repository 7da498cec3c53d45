//! `OwnedFd` and `BorrowedFd`: file descriptors without std, converting to
//! and from std's under the `std` feature.

use crate::syscall;
use core::ffi::c_int;
use core::marker::PhantomData;

/// A file descriptor this value owns and closes on drop.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct OwnedFd {
    fd: c_int,
}

impl OwnedFd {
    /// Takes ownership of `fd`.
    ///
    /// # Safety
    ///
    /// `fd` must be open and owned by nobody else: it is closed on drop.
    pub unsafe fn from_raw_fd(fd: c_int) -> OwnedFd {
        OwnedFd { fd }
    }

    /// The descriptor number, still owned by `self`.
    pub fn as_raw_fd(&self) -> c_int {
        self.fd
    }

    /// Gives up ownership: the caller must close the returned descriptor.
    pub fn into_raw_fd(self) -> c_int {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// Borrows the descriptor.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd {
            fd: self.fd,
            owner: PhantomData,
        }
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        syscall::close(self.fd);
    }
}

/// A file descriptor borrowed for `'fd`: it stays open at least that long.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct BorrowedFd<'fd> {
    fd: c_int,
    owner: PhantomData<&'fd OwnedFd>,
}

impl BorrowedFd<'_> {
    /// Borrows `fd`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open for the whole lifetime chosen.
    pub const unsafe fn borrow_raw(fd: c_int) -> Self {
        BorrowedFd {
            fd,
            owner: PhantomData,
        }
    }

    /// The descriptor number.
    pub fn as_raw_fd(&self) -> c_int {
        self.fd
    }
}

#[cfg(feature = "std")]
mod std_conversions {
    use super::{BorrowedFd, OwnedFd};
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};

    impl From<OwnedFd> for std::os::fd::OwnedFd {
        fn from(fd: OwnedFd) -> Self {
            // SAFETY: ownership moves from one owner to the other.
            unsafe { std::os::fd::OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl From<std::os::fd::OwnedFd> for OwnedFd {
        fn from(fd: std::os::fd::OwnedFd) -> Self {
            // SAFETY: ownership moves from one owner to the other.
            unsafe { OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl<'fd> From<BorrowedFd<'fd>> for std::os::fd::BorrowedFd<'fd> {
        fn from(fd: BorrowedFd<'fd>) -> Self {
            // SAFETY: the same descriptor, borrowed for the same lifetime.
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }

    impl<'fd> From<std::os::fd::BorrowedFd<'fd>> for BorrowedFd<'fd> {
        fn from(fd: std::os::fd::BorrowedFd<'fd>) -> Self {
            // SAFETY: the same descriptor, borrowed for the same lifetime.
            unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }
}
