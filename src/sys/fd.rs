//! `OwnedFd` and `BorrowedFd`: file descriptors without std, converting to
//! and from std's under the `std` feature.

use crate::sys::syscall;
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
