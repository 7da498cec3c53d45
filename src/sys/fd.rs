//! File descriptors as std has them, the way rustix does it: with feature
//! `std` these are std's own types and traits (`std::os::fd`); without it,
//! a polyfill of the same names, methods and traits, so code written
//! against one compiles against the other.
//!
//! Under `std`, dropping an `OwnedFd` calls the C library's close(3): the
//! crate's child-side code (the prelude, the setup steps, an exec child)
//! holds descriptor numbers and closes them with `syscall::close` instead.

#[cfg(feature = "std")]
pub use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

#[cfg(not(feature = "std"))]
pub use polyfill::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

/// std's `std::os::fd` for `no_std`, closing with the crate's raw close(2).
#[cfg(not(feature = "std"))]
mod polyfill {
    use crate::sys::errno::Result;
    use crate::sys::{fd_table, syscall};
    use core::fmt;
    use core::marker::PhantomData;

    /// A descriptor's number, as std's `RawFd`.
    pub type RawFd = core::ffi::c_int;

    /// A value that holds a descriptor and can say its number.
    pub trait AsRawFd {
        /// The descriptor number, still owned by `self`.
        fn as_raw_fd(&self) -> RawFd;
    }

    /// A value that can take ownership of a descriptor number.
    pub trait FromRawFd {
        /// Takes ownership of `fd`.
        ///
        /// # Safety
        ///
        /// `fd` must be open (not -1) and owned by nobody else.
        unsafe fn from_raw_fd(fd: RawFd) -> Self;
    }

    /// A value that can give up ownership of its descriptor.
    pub trait IntoRawFd {
        /// Gives up ownership: the caller must close the returned descriptor.
        fn into_raw_fd(self) -> RawFd;
    }

    /// A value that can lend its descriptor.
    pub trait AsFd {
        /// Borrows the descriptor.
        fn as_fd(&self) -> BorrowedFd<'_>;
    }

    /// A file descriptor this value owns and closes on drop.
    #[repr(transparent)]
    pub struct OwnedFd {
        fd: RawFd,
    }

    /// A file descriptor borrowed for `'fd`: it stays open at least that long.
    #[derive(Copy, Clone)]
    #[repr(transparent)]
    pub struct BorrowedFd<'fd> {
        fd: RawFd,
        owner: PhantomData<&'fd OwnedFd>,
    }

    impl BorrowedFd<'_> {
        /// Borrows `fd`.
        ///
        /// ```
        /// use nsclone::{open_ns, AsRawFd, BorrowedFd, Namespace};
        ///
        /// let uts = open_ns(0, Namespace::Uts)?;
        /// // SAFETY: `uts` owns the descriptor and outlives `borrowed`.
        /// let borrowed = unsafe { BorrowedFd::borrow_raw(uts.as_raw_fd()) };
        /// assert_eq!(borrowed.as_raw_fd(), uts.as_raw_fd());
        /// # Ok::<(), nsclone::Errno>(())
        /// ```
        ///
        /// # Safety
        ///
        /// `fd` must be open (not -1) for the whole lifetime chosen.
        pub const unsafe fn borrow_raw(fd: RawFd) -> Self {
            BorrowedFd {
                fd,
                owner: PhantomData,
            }
        }

        /// A new descriptor for the same open file, close-on-exec, numbered
        /// 3 or above (`fcntl(F_DUPFD_CLOEXEC, 3)`, as std's).
        ///
        /// ```
        /// use nsclone::{open_ns, AsFd, AsRawFd, Namespace};
        ///
        /// let uts = open_ns(0, Namespace::Uts)?;
        /// let copy = uts.as_fd().try_clone_to_owned()?;
        /// assert!(copy.as_raw_fd() >= 3 && copy.as_raw_fd() != uts.as_raw_fd());
        /// # Ok::<(), nsclone::Errno>(())
        /// ```
        ///
        /// # Errors
        ///
        /// The kernel's errno (`EMFILE` when the table is full); std's
        /// method answers an `io::Error`.
        pub fn try_clone_to_owned(&self) -> Result<OwnedFd> {
            // As std does: a copy never lands on stdin, stdout or stderr.
            fd_table::dup_above(self.fd, 3).map(|fd| OwnedFd { fd })
        }
    }

    impl OwnedFd {
        /// A new descriptor for the same open file, as
        /// [`BorrowedFd::try_clone_to_owned`].
        ///
        /// ```
        /// use nsclone::{open_ns, AsRawFd, Namespace};
        ///
        /// let uts = open_ns(0, Namespace::Uts)?;
        /// let copy = uts.try_clone()?;
        /// assert!(copy.as_raw_fd() >= 3 && copy.as_raw_fd() != uts.as_raw_fd());
        /// # Ok::<(), nsclone::Errno>(())
        /// ```
        ///
        /// # Errors
        ///
        /// As [`BorrowedFd::try_clone_to_owned`].
        pub fn try_clone(&self) -> Result<OwnedFd> {
            self.as_fd().try_clone_to_owned()
        }
    }

    impl Drop for OwnedFd {
        fn drop(&mut self) {
            syscall::close(self.fd);
        }
    }

    impl fmt::Debug for OwnedFd {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OwnedFd").field("fd", &self.fd).finish()
        }
    }

    impl fmt::Debug for BorrowedFd<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("BorrowedFd").field("fd", &self.fd).finish()
        }
    }

    impl AsRawFd for OwnedFd {
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl AsRawFd for BorrowedFd<'_> {
        fn as_raw_fd(&self) -> RawFd {
            self.fd
        }
    }

    impl AsRawFd for RawFd {
        fn as_raw_fd(&self) -> RawFd {
            *self
        }
    }

    impl FromRawFd for OwnedFd {
        unsafe fn from_raw_fd(fd: RawFd) -> Self {
            OwnedFd { fd }
        }
    }

    impl FromRawFd for RawFd {
        unsafe fn from_raw_fd(fd: RawFd) -> Self {
            fd
        }
    }

    impl IntoRawFd for OwnedFd {
        fn into_raw_fd(self) -> RawFd {
            let fd = self.fd;
            core::mem::forget(self);
            fd
        }
    }

    impl IntoRawFd for RawFd {
        fn into_raw_fd(self) -> RawFd {
            self
        }
    }

    impl AsFd for OwnedFd {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: `self` keeps the descriptor open while it is borrowed.
            unsafe { BorrowedFd::borrow_raw(self.fd) }
        }
    }

    impl AsFd for BorrowedFd<'_> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            *self
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &T {
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }

    impl<T: AsFd + ?Sized> AsFd for &mut T {
        fn as_fd(&self) -> BorrowedFd<'_> {
            T::as_fd(self)
        }
    }
}

#[cfg(all(test, not(feature = "std")))]
mod tests {
    extern crate std;

    use super::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
    use std::format;

    #[test]
    fn the_polyfill_prints_as_std_prints_and_hands_the_same_number_on() {
        let (read, _write) = std::io::pipe().unwrap();
        let std_fd = std::os::fd::OwnedFd::from(read);
        let std_text = format!("{std_fd:?}");
        let std_borrowed = format!("{:?}", std::os::fd::AsFd::as_fd(&std_fd));
        let raw = std::os::fd::IntoRawFd::into_raw_fd(std_fd);
        // SAFETY: std gave up the descriptor just above; it is ours alone.
        let mut ours = unsafe { OwnedFd::from_raw_fd(raw) };
        assert_eq!(format!("{ours:?}"), std_text);
        assert_eq!(format!("{:?}", ours.as_fd()), std_borrowed);
        // As std's: `&T` and `&mut T` lend the descriptor of `T`.
        fn number(fd: impl AsFd) -> RawFd {
            fd.as_fd().as_raw_fd()
        }
        assert_eq!(number(&ours), raw);
        assert_eq!(number(&mut ours), raw);
        assert_eq!(number(ours.as_fd()), raw);
        assert_eq!(ours.into_raw_fd(), raw);
        // SAFETY: `into_raw_fd` gave it back to us; std closes it on drop.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) });
    }

    #[test]
    fn a_clone_is_the_same_pipe_above_stdio_and_closed_on_exec_as_stds() {
        use crate::sys::fd_table::cloexec;
        use crate::sys::syscall::{pipe, read, write};
        let (reader, writer) = pipe().unwrap();
        let copies = [
            writer.try_clone().unwrap(),
            writer.as_fd().try_clone_to_owned().unwrap(),
        ];
        for copy in &copies {
            assert!(copy.as_raw_fd() >= 3 && copy.as_raw_fd() != writer.as_raw_fd());
            assert_eq!(cloexec(copy.as_raw_fd()), Some(true), "close-on-exec");
            assert_eq!(write(copy, b"x"), Ok(1));
        }
        drop((writer, copies));
        let mut text = [0; 4];
        let mut len = 0;
        // To the end of the pipe: every write end is closed.
        while let Ok(n @ 1..) = read(&reader, &mut text[len..]) {
            len += n;
        }
        assert_eq!(
            &text[..len],
            b"xx",
            "both copies wrote into the pipe, and all are closed"
        );
    }
}
