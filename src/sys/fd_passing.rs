//! Descriptors sent over a Unix socket (`SCM_RIGHTS`), as a parent hands
//! its child mounts it made for it.

use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsRawFd, BorrowedFd};
use crate::sys::syscall::{syscall, MSG_NOSIGNAL};
use core::ffi::{c_int, c_void};
use core::mem::size_of;
use linux_raw_sys::general as k;
use static_assertions::const_assert_eq;

/// The most descriptors one message carries here.
pub(crate) const MAX_PASSED: usize = 16;

/// `struct msghdr`.
#[repr(C)]
struct MsgHdr {
    name: *mut c_void,
    name_len: c_int,
    iov: *mut k::iovec,
    iov_len: usize,
    control: *mut c_void,
    control_len: usize,
    flags: u32,
}

/// `struct cmsghdr`, then room for [`MAX_PASSED`] descriptors.
#[repr(C)]
struct Control {
    len: usize,
    level: c_int,
    kind: c_int,
    fds: [c_int; MAX_PASSED],
}

const_assert_eq!(size_of::<MsgHdr>(), 56);
const SOL_SOCKET: c_int = 1;
const SCM_RIGHTS: c_int = 1;
/// recvmsg(2)'s flag that makes the received descriptors close-on-exec.
const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;
/// `CMSG_LEN(0)`: the header, aligned to a word.
const HEADER: usize = 16;

/// Sends `fds` (at most [`MAX_PASSED`]) with one byte over `socket`.
pub(crate) fn send_fds(socket: BorrowedFd<'_>, fds: &[c_int]) -> Result<()> {
    let mut control = Control {
        len: HEADER + size_of_val(fds),
        level: SOL_SOCKET,
        kind: SCM_RIGHTS,
        fds: [-1; MAX_PASSED],
    };
    control
        .fds
        .get_mut(..fds.len())
        .ok_or(Errno::E2BIG)?
        .copy_from_slice(fds);
    let mut byte = [0u8];
    let mut iov = k::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let message = MsgHdr {
        name: core::ptr::null_mut(),
        name_len: 0,
        iov: &mut iov,
        iov_len: 1,
        control: (&mut control as *mut Control).cast(),
        // CMSG_SPACE: the length rounded up to a word.
        control_len: (control.len + 7) & !7,
        flags: 0,
    };
    let args = [
        socket.as_raw_fd() as usize,
        &message as *const MsgHdr as usize,
        MSG_NOSIGNAL,
    ];
    // SAFETY: the message, its one-byte buffer and its control data live
    // across the call; the kernel reads them.
    unsafe { syscall(k::__NR_sendmsg, args) }.map(drop)
}

/// Receives up to `fds.len()` descriptors (close-on-exec) sent with
/// [`send_fds`] on `socket`: how many came. `EIO` at end of file.
pub(crate) fn receive_fds(socket: c_int, fds: &mut [c_int]) -> Result<usize> {
    let mut control = Control {
        len: 0,
        level: 0,
        kind: 0,
        fds: [-1; MAX_PASSED],
    };
    let mut byte = [0u8];
    let mut iov = k::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut message = MsgHdr {
        name: core::ptr::null_mut(),
        name_len: 0,
        iov: &mut iov,
        iov_len: 1,
        control: (&mut control as *mut Control).cast(),
        control_len: size_of::<Control>(),
        flags: 0,
    };
    let args = [
        socket as usize,
        &mut message as *mut MsgHdr as usize,
        MSG_CMSG_CLOEXEC as usize,
    ];
    // SAFETY: the kernel writes at most the buffer's byte and the control
    // data's size into them, both alive across the call.
    if unsafe { syscall(k::__NR_recvmsg, args) }? == 0 {
        return Err(Errno::EIO);
    }
    if control.level != SOL_SOCKET || control.kind != SCM_RIGHTS || control.len < HEADER {
        return Err(Errno::EIO);
    }
    let count = ((control.len - HEADER) / size_of::<c_int>()).min(fds.len());
    fds[..count].copy_from_slice(&control.fds[..count]);
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::{receive_fds, send_fds, MAX_PASSED};
    use crate::sys::errno::Errno;
    use crate::sys::fd::{AsFd, AsRawFd};
    use crate::sys::fd_table::cloexec;
    use crate::sys::syscall::{self, socket_pair};

    #[test]
    fn descriptors_sent_come_in_order_close_on_exec_and_as_many_as_sent() {
        let (a, b) = socket_pair().unwrap();
        let (r, w) = syscall::pipe().unwrap();
        let sent = [r.as_raw_fd(), w.as_raw_fd(), r.as_raw_fd()];
        send_fds(a.as_fd(), &sent).unwrap();
        let mut got = [-1; MAX_PASSED];
        assert_eq!(receive_fds(b.as_raw_fd(), &mut got), Ok(3));
        for &fd in &got[..3] {
            assert_eq!(cloexec(fd), Some(true));
            syscall::close(fd);
        }
        assert!(got[3..].iter().all(|&fd| fd == -1));
    }

    #[test]
    fn all_sixteen_fit_and_a_seventeenth_is_refused_before_the_call() {
        let (a, b) = socket_pair().unwrap();
        let (r, _w) = syscall::pipe().unwrap();
        let sent = [r.as_raw_fd(); MAX_PASSED + 1];
        assert_eq!(send_fds(a.as_fd(), &sent), Err(Errno::E2BIG));
        send_fds(a.as_fd(), &sent[..MAX_PASSED]).unwrap();
        let mut got = [-1; MAX_PASSED];
        assert_eq!(receive_fds(b.as_raw_fd(), &mut got), Ok(MAX_PASSED));
        got.iter().for_each(|&fd| syscall::close(fd));
    }

    #[test]
    fn a_byte_without_descriptors_or_end_of_file_is_eio() {
        let (a, b) = socket_pair().unwrap();
        let mut got = [-1; MAX_PASSED];
        syscall::write(a.as_fd(), b"1").unwrap();
        assert_eq!(receive_fds(b.as_raw_fd(), &mut got), Err(Errno::EIO));
        drop(a);
        assert_eq!(receive_fds(b.as_raw_fd(), &mut got), Err(Errno::EIO));
    }

    #[test]
    fn sending_to_a_closed_peer_is_epipe() {
        let (a, b) = socket_pair().unwrap();
        drop(b);
        let (r, _w) = syscall::pipe().unwrap();
        assert_eq!(send_fds(a.as_fd(), &[r.as_raw_fd()]), Err(Errno::EPIPE));
    }
}
