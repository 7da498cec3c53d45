//! The one place that calls the kernel (besides the clone trampolines):
//! [`syscall`], the raw entry that decodes `-errno` into [`Errno`], and the
//! typed wrappers over it that the crate and its programs share.

use crate::pid_t;
use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use core::ffi::{c_int, CStr};
use core::mem::MaybeUninit;
use linux_raw_sys::general as k;

/// Makes system call `nr` (a `__NR_*` number) with `args`, at most six,
/// and decodes its return: a value in -4095..=-1 is the errno.
///
/// The typed wrappers of this module cover what the crate and its programs
/// share; this is for a program's own rare calls (`reboot`, an `ioctl`).
///
/// ```
/// use linux_raw_sys::general::{__NR_close, __NR_gettid};
/// use nsclone::sys::{getpid, syscall};
/// use nsclone::Errno;
///
/// // SAFETY: gettid reads no memory and changes nothing.
/// let tid = unsafe { syscall(__NR_gettid, []) }?;
/// assert_eq!(tid as i32, getpid()); // the main thread's ID is the process's
/// // SAFETY: close reads no memory, and descriptor -1 is nobody's.
/// assert_eq!(unsafe { syscall(__NR_close, [usize::MAX]) }, Err(Errno::EBADF));
/// # Ok::<(), Errno>(())
/// ```
///
/// # Safety
///
/// The call's own contract: every pointer among `args` is valid for what
/// the kernel reads or writes through it, and the call changes nothing
/// Rust relies on (no unmapping of live memory, no `clone`, no closing of
/// a descriptor something else owns).
///
/// # Errors
///
/// The kernel's errno.
#[inline(always)]
pub unsafe fn syscall<const N: usize>(nr: u32, args: [usize; N]) -> Result<usize> {
    const { assert!(N <= 6, "a system call takes at most six arguments") };
    let nr = nr as usize;
    let a = |i: usize| args[i];
    // SAFETY: the caller's contract. Only the registers the call reads are
    // set: the match is resolved at compile time.
    let ret = unsafe {
        match N {
            0 => sc::syscall0(nr),
            1 => sc::syscall1(nr, a(0)),
            2 => sc::syscall2(nr, a(0), a(1)),
            3 => sc::syscall3(nr, a(0), a(1), a(2)),
            4 => sc::syscall4(nr, a(0), a(1), a(2), a(3)),
            5 => sc::syscall5(nr, a(0), a(1), a(2), a(3), a(4)),
            _ => sc::syscall6(nr, a(0), a(1), a(2), a(3), a(4), a(5)),
        }
    };
    Errno::from_syscall(ret)
}

/// `mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0)`: fresh zeroed
/// memory; `MAP_SHARED` in `flags` shares it with every child forked
/// afterwards.
///
/// ```
/// use core::sync::atomic::{AtomicI32, Ordering};
/// use linux_raw_sys::general::{MAP_SHARED, PROT_READ, PROT_WRITE};
/// use nsclone::sys::{getpid, mmap_anonymous};
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
///
/// // A page where a child's answer outlives the child.
/// let page = mmap_anonymous(4096, PROT_READ | PROT_WRITE, MAP_SHARED)?;
/// // SAFETY: the page is zeroed, aligned and never unmapped.
/// let answer = unsafe { &*page.cast::<AtomicI32>() };
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls and writes the shared page only
/// // through an atomic, as a thread of ours could.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         answer.store(getpid(), Ordering::Relaxed);
///         0
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_eq!(answer.load(Ordering::Relaxed), child.pid());
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// # Errors
///
/// `ENOMEM`, or `EINVAL` for a length of 0 or bad flags, `MAP_FIXED`
/// among them (it would replace memory already in use).
pub fn mmap_anonymous(len: usize, prot: u32, flags: u32) -> Result<*mut u8> {
    if flags & k::MAP_FIXED != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = (flags | k::MAP_ANONYMOUS) as usize;
    // SAFETY: an anonymous mapping at an address the kernel picks touches no
    // existing memory.
    unsafe { syscall(k::__NR_mmap, [0, len, prot as usize, flags, usize::MAX, 0]) }
        .map(|addr| addr as *mut u8)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing may use `[addr, addr + len)` afterwards.
pub(crate) unsafe fn munmap(addr: *mut u8, len: usize) -> Result<()> {
    // SAFETY: the caller gives up the range.
    unsafe { syscall(k::__NR_munmap, [addr as usize, len]) }.map(drop)
}

/// `mprotect(addr, len, prot)`.
///
/// # Safety
///
/// Nothing may rely on the old protection of `[addr, addr + len)`.
pub(crate) unsafe fn mprotect(addr: *mut u8, len: usize, prot: u32) -> Result<()> {
    // SAFETY: the caller owns the range and its protection.
    unsafe { syscall(k::__NR_mprotect, [addr as usize, len, prot as usize]) }.map(drop)
}

/// `wait4(pid, &status, options, NULL)`, retrying `EINTR`: the pid of the
/// child that changed state (0 with `WNOHANG` when none has) and its raw
/// status word ([`ExitStatus::from_raw`](crate::ExitStatus::from_raw)
/// decodes it).
///
/// # Errors
///
/// `ECHILD` when no child matches `pid`, `EINVAL` for bad options.
///
/// # Examples
///
/// A child's end by [`kill`], seen and reaped by `wait4`:
///
/// ```
/// use linux_raw_sys::general::WNOHANG;
/// use nsclone::sys::{kill, wait4};
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack, Signal};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child only spins until it is killed.
/// let child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || loop {
///         core::hint::spin_loop()
///     })
/// }?;
/// let pid = child.pid();
/// let running = wait4(pid, WNOHANG);
/// kill(pid, Signal::KILL.raw())?; // first, so that no failure leaves it spinning
/// assert_eq!(running?.0, 0);
/// let (reaped, status) = wait4(pid, 0)?;
/// assert_eq!((reaped, ExitStatus::from_raw(status)), (pid, ExitStatus::Signaled(9)));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn wait4(pid: pid_t, options: u32) -> Result<(pid_t, c_int)> {
    let mut status: c_int = 0;
    let status_ptr = &mut status as *mut c_int as usize;
    loop {
        // SAFETY: `status` is a valid place for the kernel to write one int.
        match unsafe {
            syscall(
                k::__NR_wait4,
                [pid as usize, status_ptr, options as usize, 0],
            )
        } {
            Err(Errno::EINTR) => continue,
            result => return result.map(|pid| (pid as pid_t, status)),
        }
    }
}

/// `kill(pid, signal)`; [example](wait4#examples).
///
/// # Errors
///
/// `ESRCH` (no such process), `EPERM`, `EINVAL` (no such signal).
pub fn kill(pid: pid_t, signal: c_int) -> Result<()> {
    // SAFETY: kill reads no memory.
    unsafe { syscall(k::__NR_kill, [pid as usize, signal as usize]) }.map(drop)
}

/// The caller's process ID (getpid(2)): the kernel's answer, never a C
/// library's cached one.
///
/// ```
/// use nsclone::sys::getpid;
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
///
/// assert_eq!(getpid() as u32, std::process::id());
///
/// // The first process of a new PID namespace is its pid 1 (NEWUSER lets
/// // a caller without privileges create the PID namespace).
/// let mut stack = MmapStack::new(64 * 1024)?;
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWPID;
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe { spawn(flags, stack.as_mut_slice(), || i32::from(getpid() != 1)) }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_ne!(child.pid(), 1); // its pid in the caller's namespace
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn getpid() -> pid_t {
    // SAFETY: getpid reads no memory and cannot fail.
    unsafe { syscall(k::__NR_getpid, []) }.map_or(0, |pid| pid as pid_t)
}

/// `close(fd)`; errors are ignored, as the fd is gone either way.
pub(crate) fn close(fd: c_int) {
    // SAFETY: closing a descriptor touches no memory; the caller owned it.
    let _ = unsafe { syscall(k::__NR_close, [fd as usize]) };
}

/// `openat(AT_FDCWD, path, flags | O_CLOEXEC)`; a file it creates gets mode
/// 0644.
///
/// # Errors
///
/// What openat(2) answers: `ENOENT`, `EACCES`, `EMFILE`, ...
///
/// # Examples
///
/// With [`read`], [`read_file`], [`write`](write()) and [`write_all`]:
///
/// ```
/// use linux_raw_sys::general::{O_RDONLY, O_WRONLY};
/// use nsclone::sys::{open, read, read_file, write, write_all};
/// use nsclone::Errno;
///
/// let mut buf = [0; 64];
/// let version = open(c"/proc/version", O_RDONLY)?;
/// let len = read(&version, &mut buf)?;
/// assert!(buf[..len].starts_with(b"Linux version "));
///
/// // read_file opens, reads as much as fits, and closes.
/// let len = read_file(c"/proc/sys/kernel/ostype", &mut buf)?;
/// assert_eq!(&buf[..len], b"Linux\n");
///
/// // /dev/null takes everything at once.
/// let null = open(c"/dev/null", O_WRONLY)?;
/// assert_eq!(write(&null, b"gone")?, 4);
/// write_all(&null, b"all of it")?;
///
/// assert_eq!(open(c"/nonexistent", O_RDONLY).err(), Some(Errno::ENOENT));
/// # Ok::<(), Errno>(())
/// ```
#[inline(always)]
pub fn open(path: &CStr, flags: u32) -> Result<OwnedFd> {
    // Inlined, so that every caller calls `open_numbered` as the child-side
    // code does, and one copy of it serves both (nsrun's size).
    // SAFETY: the new descriptor is nobody else's.
    open_numbered(path, flags).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// [`open`], answering the descriptor's number: for the crate's child-side
/// code, which holds no `OwnedFd`.
pub(crate) fn open_numbered(path: &CStr, flags: u32) -> Result<c_int> {
    open_numbered_with_mode(path, flags, 0o644)
}

/// `openat(AT_FDCWD, path, flags | O_CLOEXEC, mode)`: the new descriptor's number.
pub(crate) fn open_numbered_with_mode(path: &CStr, flags: u32, mode: u32) -> Result<c_int> {
    let args = [
        k::AT_FDCWD as usize,
        path.as_ptr() as usize,
        (flags | k::O_CLOEXEC) as usize,
        mode as usize,
    ];
    // SAFETY: `path` is NUL-terminated; the descriptor is the caller's.
    unsafe { syscall(k::__NR_openat, args) }.map(|fd| fd as c_int)
}

/// The device and inode numbers of the file `fd` refers to (fstat(2)).
pub(crate) fn file_identity(fd: BorrowedFd<'_>) -> Result<(u64, u64)> {
    let mut stat = MaybeUninit::<k::stat>::uninit();
    // SAFETY: the kernel fills the whole `struct stat` on success.
    unsafe {
        syscall(
            k::__NR_fstat,
            [fd.as_raw_fd() as usize, stat.as_mut_ptr() as usize],
        )
    }?;
    // SAFETY: fstat succeeded, so `stat` is initialized.
    let stat = unsafe { stat.assume_init() };
    Ok((stat.st_dev, stat.st_ino))
}

/// `unshare(flags)`.
///
/// # Safety
///
/// Unsharing `CLONE_FILES`, `CLONE_FS`, `CLONE_VM`, `CLONE_SIGHAND` or
/// `CLONE_THREAD` changes what the calling thread shares with others.
pub(crate) unsafe fn unshare(flags: u64) -> Result<()> {
    // SAFETY: the caller answers for the flags.
    unsafe { syscall(k::__NR_unshare, [flags as usize]) }.map(drop)
}

/// `setns(fd, nstype)`, by number (a child's prelude calls it).
pub(crate) fn setns(fd: c_int, nstype: c_int) -> Result<()> {
    // SAFETY: setns reads no memory; it moves only the calling thread.
    unsafe { syscall(k::__NR_setns, [fd as usize, nstype as usize]) }.map(drop)
}

/// `waitid(idtype, id, &info, WEXITED | options, NULL)` for a child that
/// ended: returns its `si_code` and `si_status`, or `None` when `WNOHANG`
/// found none ended (the kernel leaves `si_pid` 0 then).
pub(crate) fn waitid(idtype: u32, id: c_int, options: u32) -> Result<Option<(c_int, c_int)>> {
    // siginfo_t is 128 bytes; for SIGCHLD, si_code is at byte 8, si_pid at
    // byte 16 and si_status at byte 24.
    let mut info = [0 as c_int; 32];
    let args = [
        idtype as usize,
        id as usize,
        info.as_mut_ptr() as usize,
        (k::WEXITED | options) as usize,
        0,
    ];
    loop {
        // SAFETY: `info` has room for the kernel's 128-byte siginfo_t.
        match unsafe { syscall(k::__NR_waitid, args) } {
            Err(Errno::EINTR) => continue,
            result => return result.map(|_| (info[4] != 0).then_some((info[2], info[6]))),
        }
    }
}

/// `pidfd_send_signal(pidfd, sig, NULL, 0)`.
pub(crate) fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: c_int) -> Result<()> {
    // SAFETY: a null siginfo makes the kernel build one; no memory is read.
    unsafe {
        syscall(
            k::__NR_pidfd_send_signal,
            [pidfd.as_raw_fd() as usize, sig as usize, 0, 0],
        )
    }
    .map(drop)
}

/// send(2)'s flag that answers `EPIPE` without raising `SIGPIPE`.
pub(crate) const MSG_NOSIGNAL: usize = 0x4000;

/// `send(socket, data, MSG_NOSIGNAL)`, once: how much the kernel took; a
/// peer gone is `EPIPE` and no `SIGPIPE` (which a caller keeping its
/// default action would die of, once its mask lets it through).
pub(crate) fn send(socket: BorrowedFd<'_>, data: &[u8]) -> Result<usize> {
    let args = [
        socket.as_raw_fd() as usize,
        data.as_ptr() as usize,
        data.len(),
        MSG_NOSIGNAL,
        0,
        0,
    ];
    // SAFETY: the kernel reads at most `data.len()` bytes of `data`; no
    // address is given.
    unsafe { syscall(k::__NR_sendto, args) }
}

/// `write(fd, data)`, once: how much the kernel took;
/// [example](open#examples).
///
/// # Errors
///
/// What write(2) answers: `EBADF`, `EPIPE`, `EINTR`, ...
pub fn write(fd: impl AsFd, data: &[u8]) -> Result<usize> {
    write_numbered(fd.as_fd().as_raw_fd(), data)
}

/// [`write`] by number, for the crate's child-side code, which holds no
/// `OwnedFd` or `BorrowedFd`.
pub(crate) fn write_numbered(fd: c_int, data: &[u8]) -> Result<usize> {
    let args = [fd as usize, data.as_ptr() as usize, data.len()];
    // SAFETY: the kernel reads at most `data.len()` bytes of `data`.
    unsafe { syscall(k::__NR_write, args) }
}

/// Writes all of `data` to `fd`, retrying short writes and `EINTR`;
/// [example](open#examples).
///
/// # Errors
///
/// The first error other than `EINTR`; `EIO` if the kernel takes nothing.
pub fn write_all(fd: impl AsFd, data: &[u8]) -> Result<()> {
    write_all_numbered(fd.as_fd().as_raw_fd(), data)
}

/// [`write_all`] by number: not generic, so one copy serves every caller.
fn write_all_numbered(fd: c_int, mut data: &[u8]) -> Result<()> {
    while !data.is_empty() {
        match write_numbered(fd, data) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// `read(fd, buf)`, once, retrying `EINTR`: how much was read (0 at the
/// end of the file); [example](open#examples).
///
/// # Errors
///
/// What read(2) answers: `EBADF`, `EISDIR`, ...
pub fn read(fd: impl AsFd, buf: &mut [u8]) -> Result<usize> {
    read_numbered(fd.as_fd().as_raw_fd(), buf)
}

/// [`read`] by number, for the crate's child-side code.
pub(crate) fn read_numbered(fd: c_int, buf: &mut [u8]) -> Result<usize> {
    let args = [fd as usize, buf.as_mut_ptr() as usize, buf.len()];
    loop {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        match unsafe { syscall(k::__NR_read, args) } {
            Err(Errno::EINTR) => continue,
            result => return result,
        }
    }
}

/// Reads the file at `path` into `buf`, as much as fits: the length read;
/// [example](open#examples).
///
/// # Errors
///
/// From opening or reading the file.
pub fn read_file(path: &CStr, buf: &mut [u8]) -> Result<usize> {
    let fd = open(path, k::O_RDONLY)?;
    let mut len = 0;
    while len < buf.len() {
        match read(&fd, &mut buf[len..])? {
            0 => break,
            n => len += n,
        }
    }
    Ok(len)
}

/// `pipe2(O_CLOEXEC)`: the read end, then the write end.
pub(crate) fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as c_int; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe {
        syscall(
            k::__NR_pipe2,
            [fds.as_mut_ptr() as usize, k::O_CLOEXEC as usize],
        )
    }?;
    // SAFETY: two fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)`: two connected ends.
pub(crate) fn socket_pair() -> Result<(OwnedFd, OwnedFd)> {
    const AF_UNIX: usize = 1;
    const SOCK_STREAM: u32 = 1;
    let mut fds = [0 as c_int; 2];
    let args = [
        AF_UNIX,
        (SOCK_STREAM | k::O_CLOEXEC) as usize,
        0,
        fds.as_mut_ptr() as usize,
    ];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe { syscall(k::__NR_socketpair, args) }?;
    // SAFETY: two fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `pidfd_getfd(pidfd, fd, 0)` (Linux 5.6): a close-on-exec copy of the
/// descriptor `fd` of the process `pidfd` refers to.
pub(crate) fn pidfd_getfd(pidfd: BorrowedFd<'_>, fd: c_int) -> Result<OwnedFd> {
    let args = [pidfd.as_raw_fd() as usize, fd as usize, 0];
    // SAFETY: pidfd_getfd reads no memory; the new descriptor is nobody else's.
    unsafe { syscall(k::__NR_pidfd_getfd, args).map(|fd| OwnedFd::from_raw_fd(fd as c_int)) }
}

/// `dup3(fd, target, 0)`: `target` now refers to `fd`'s file, without
/// close-on-exec.
///
/// # Safety
///
/// `target` is closed first if open: nothing else may own it.
///
/// # Errors
///
/// `EBADF`, `EINVAL` when `fd` is `target`, `EMFILE`.
///
/// # Examples
///
/// A child reads a file as its standard input:
///
/// ```
/// use linux_raw_sys::general::O_RDONLY;
/// use nsclone::sys::{dup3, open, read};
/// use nsclone::{spawn, BorrowedFd, CloneFlags, ExitStatus, MmapStack};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         let Ok(file) = open(c"/proc/sys/kernel/ostype", O_RDONLY) else {
///             return 1;
///         };
///         // SAFETY: the child's descriptor 0 is its own, and only std's
///         // stdin, which the child does not use, names it.
///         if unsafe { dup3(&file, 0) }.is_err() {
///             return 2;
///         }
///         let mut buf = [0; 8];
///         // SAFETY: descriptor 0 stays open while it is read.
///         let stdin = unsafe { BorrowedFd::borrow_raw(0) };
///         match read(stdin, &mut buf) {
///             Ok(len) if &buf[..len] == b"Linux\n" => 0,
///             _ => 3,
///         }
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub unsafe fn dup3(fd: impl AsFd, target: c_int) -> Result<()> {
    dup_onto(fd.as_fd().as_raw_fd(), target)
}

/// `dup3(fd, target, 0)` by numbers: `target`, not close-on-exec, now
/// refers to `fd`'s file (for a child rearranging its own table).
pub(crate) fn dup_onto(fd: c_int, target: c_int) -> Result<()> {
    // SAFETY: dup3 reads no memory; the caller owns `target`'s number.
    unsafe { syscall(k::__NR_dup3, [fd as usize, target as usize, 0]) }.map(drop)
}

/// The caller's effective user and group IDs (geteuid(2), getegid(2)).
///
/// # Examples
///
/// In a new user namespace that maps root to the caller, the child is
/// root, with every capability, whoever the caller is:
///
/// ```
/// use linux_raw_sys::general::CAP_SYS_ADMIN;
/// use nsclone::sys::{effective_capabilities, effective_ids};
/// use nsclone::{CloneFlags, ExitStatus, MmapStack, Spawn};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// let spawn = Spawn::new(CloneFlags::NEWUSER).map_root_user();
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe {
///     spawn.spawn(stack.as_mut_slice(), || {
///         let admin = effective_capabilities() & 1 << CAP_SYS_ADMIN != 0;
///         i32::from(effective_ids() != (0, 0) || !admin)
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn effective_ids() -> (u32, u32) {
    // SAFETY: neither call reads memory or fails.
    let id = |nr| unsafe { syscall(nr, []) }.map_or(u32::MAX, |id| id as u32);
    (id(k::__NR_geteuid), id(k::__NR_getegid))
}

/// `pidfd_open(pid, 0)` (Linux 5.3+): a close-on-exec pidfd for `pid`.
/// Errors: `ESRCH` (no such process), `EINVAL`, `EMFILE`, `ENFILE`, `ENOMEM`.
pub(crate) fn pidfd_open(pid: pid_t) -> Result<OwnedFd> {
    // SAFETY: pidfd_open reads no memory; the new descriptor is nobody else's.
    unsafe {
        syscall(k::__NR_pidfd_open, [pid as usize, 0]).map(|fd| OwnedFd::from_raw_fd(fd as c_int))
    }
}

/// `execve(path, argv, envp)`: returns only on failure.
///
/// # Safety
///
/// `argv` and `envp` are null-terminated arrays of NUL-terminated strings,
/// alive across the call.
pub(crate) unsafe fn execve(path: &CStr, argv: *const *const u8, envp: *const *const u8) -> Errno {
    let args = [path.as_ptr() as usize, argv as usize, envp as usize];
    // SAFETY: the caller's contract.
    unsafe { syscall(k::__NR_execve, args) }
        .err()
        .unwrap_or(Errno::EINVAL)
}

/// `mount(source, target, fstype, flags, data)`: `None` passes a null
/// pointer (a propagation change or a remount needs no source or type).
///
/// # Errors
///
/// What mount(2) answers: `EPERM` without `CAP_SYS_ADMIN` in the mount
/// namespace's user namespace, `ENOENT`, `EINVAL`, ...
///
/// # Examples
///
/// With [`chroot`] and [`chdir`], in a child's own mount namespace (in a
/// new user namespace too, so that it may mount and chroot, root or not):
///
/// ```
/// use linux_raw_sys::general::{MS_PRIVATE, MS_REC, O_CREAT, O_WRONLY};
/// use nsclone::sys::{chdir, chroot, mount, open, read_file, write_all};
/// use nsclone::{CloneFlags, ExitStatus, MmapStack, Spawn};
///
/// /// A file on a fresh tmpfs, read back with the tmpfs as the root.
/// fn contained() -> nsclone::Result<bool> {
///     // Private first, so that nothing mounted here reaches the caller.
///     mount(None, c"/", None, MS_REC | MS_PRIVATE, None)?;
///     mount(Some(c"tmpfs"), c"/tmp", Some(c"tmpfs"), 0, None)?;
///     write_all(open(c"/tmp/greeting", O_WRONLY | O_CREAT)?, b"hello")?;
///     chroot(c"/tmp")?;
///     // The working directory stays outside the new root until this.
///     chdir(c"/")?;
///     let mut buf = [0; 8];
///     let len = read_file(c"greeting", &mut buf)?;
///     Ok(&buf[..len] == b"hello")
/// }
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// let spawn = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNS).map_root_user();
/// // SAFETY: the child makes raw syscalls only.
/// let mut child =
///     unsafe { spawn.spawn(stack.as_mut_slice(), || i32::from(contained() != Ok(true))) }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: u32,
    data: Option<&CStr>,
) -> Result<()> {
    let ptr = |s: Option<&CStr>| s.map_or(0, |s| s.as_ptr() as usize);
    let args = [
        ptr(source),
        target.as_ptr() as usize,
        ptr(fstype),
        flags as usize,
        ptr(data),
    ];
    // SAFETY: every pointer is a NUL-terminated string or null.
    unsafe { syscall(k::__NR_mount, args) }.map(drop)
}

/// `sethostname(name)`: the UTS namespace's hostname;
/// [example](Utsname#examples).
///
/// # Errors
///
/// `EPERM` without `CAP_SYS_ADMIN` in the UTS namespace's user namespace,
/// `EINVAL` for more than 64 bytes.
pub fn sethostname(name: &[u8]) -> Result<()> {
    // SAFETY: the kernel reads `name.len()` bytes of `name`.
    unsafe { syscall(k::__NR_sethostname, [name.as_ptr() as usize, name.len()]) }.map(drop)
}

/// `chroot(dir)`; [example](mount#examples).
///
/// # Errors
///
/// `EPERM` without `CAP_SYS_CHROOT`, `ENOENT`, `ENOTDIR`, ...
pub fn chroot(dir: &CStr) -> Result<()> {
    // SAFETY: `dir` is NUL-terminated.
    unsafe { syscall(k::__NR_chroot, [dir.as_ptr() as usize]) }.map(drop)
}

/// `chdir(dir)`; [example](mount#examples).
///
/// # Errors
///
/// `ENOENT`, `ENOTDIR`, `EACCES`, ...
pub fn chdir(dir: &CStr) -> Result<()> {
    // SAFETY: `dir` is NUL-terminated.
    unsafe { syscall(k::__NR_chdir, [dir.as_ptr() as usize]) }.map(drop)
}

/// What uname(2) tells: `struct new_utsname`, six NUL-padded fields.
///
/// # Examples
///
/// ```
/// use nsclone::sys::{sethostname, uname};
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
///
/// let uts = uname();
/// let (major, minor) = uts.release_numbers();
/// assert!(uts.release().starts_with(format!("{major}.{minor}.").as_bytes()));
///
/// // A new UTS namespace has a hostname of its own (NEWUSER gives the
/// // child CAP_SYS_ADMIN over it, root or not).
/// let mut stack = MmapStack::new(64 * 1024)?;
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWUTS;
/// // SAFETY: the child makes raw syscalls only.
/// let mut child = unsafe {
///     spawn(flags, stack.as_mut_slice(), || match sethostname(b"inside") {
///         Ok(()) if uname().nodename() == b"inside" => 0,
///         _ => 1,
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_eq!(uname().nodename(), uts.nodename()); // the caller's is as it was
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Clone)]
pub struct Utsname {
    fields: [[u8; 65]; 6],
}

impl Utsname {
    fn field(&self, index: usize) -> &[u8] {
        let field = &self.fields[index];
        let len = field.iter().position(|&b| b == 0).unwrap_or(field.len());
        &field[..len]
    }

    /// The hostname of the caller's UTS namespace; [example](Self#examples).
    pub fn nodename(&self) -> &[u8] {
        self.field(1)
    }

    /// The kernel's release, `6.1.0-18-amd64`; [example](Self#examples).
    pub fn release(&self) -> &[u8] {
        self.field(2)
    }

    /// The release's first two numbers, (6, 1) for `6.1.0-18-amd64`: for
    /// reports and test expectations; what the kernel supports is asked
    /// of the kernel, not compared with a version; [example](Self#examples).
    pub fn release_numbers(&self) -> (u32, u32) {
        let mut numbers = self.release().split(|b| !b.is_ascii_digit()).map(|digits| {
            digits.iter().fold(0u32, |n, d| {
                n.wrapping_mul(10).wrapping_add(u32::from(d - b'0'))
            })
        });
        (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
    }
}

/// uname(2): the kernel's release and the UTS namespace's names;
/// [example](Utsname#examples).
pub fn uname() -> Utsname {
    let mut uts = Utsname {
        fields: [[0; 65]; 6],
    };
    // SAFETY: the kernel writes one `struct new_utsname`; it cannot fail with a valid pointer.
    let _ = unsafe { syscall(k::__NR_uname, [uts.fields.as_mut_ptr() as usize]) };
    uts
}

/// The calling thread's effective capability set (capget(2), version 3), a
/// bit per `CAP_*` number; 0 if the kernel does not answer;
/// [example](effective_ids#examples).
pub fn effective_capabilities() -> u64 {
    let mut header = k::__user_cap_header_struct {
        version: k::_LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let empty = k::__user_cap_data_struct {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    };
    let mut data = [empty; 2];
    let args = [&mut header as *mut _ as usize, data.as_mut_ptr() as usize];
    // SAFETY: version 3 has the kernel write two data structs.
    match unsafe { syscall(k::__NR_capget, args) } {
        Ok(_) => u64::from(data[0].effective) | u64::from(data[1].effective) << 32,
        Err(_) => 0,
    }
}

/// Syncs the filesystems and powers the machine off (reboot(2)), as an init
/// does at its end: for a PID 1, such as `examples/tiny-init`.
///
/// In a PID namespace other than the first it powers nothing off: the
/// kernel ends the namespace's init, and the caller with it.
///
/// ```no_run
/// use nsclone::sys::{exit_group, getpid, power_off};
///
/// // The end of an init, once its children are reaped.
/// if getpid() == 1 {
///     // Returns only if the kernel refused: the exit below then ends the
///     // PID namespace, or panics the kernel if this is the machine's init.
///     let _refused = power_off();
/// }
/// exit_group(0)
/// ```
///
/// # Errors
///
/// `EPERM` without `CAP_SYS_BOOT` in the user namespace that owns the
/// caller's PID namespace.
pub fn power_off() -> Errno {
    let args = [
        k::LINUX_REBOOT_MAGIC1 as usize,
        k::LINUX_REBOOT_MAGIC2 as usize,
        k::LINUX_REBOOT_CMD_POWER_OFF as usize,
        0,
    ];
    // SAFETY: sync and reboot take plain values.
    unsafe {
        let _ = syscall(k::__NR_sync, []);
        syscall(k::__NR_reboot, args).err().unwrap_or(Errno::EINVAL)
    }
}

/// Ends the calling process, every thread of it, with `status`
/// (exit_group(2)): no destructors, no `atexit` handlers, no buffers
/// flushed.
///
/// ```
/// use nsclone::sys::exit_group;
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes one raw syscall, which ends it: the closure
/// // never returns.
/// let mut child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), || exit_group(7)) }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(7));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn exit_group(status: c_int) -> ! {
    // SAFETY: exit_group reads no memory and does not return.
    let _ = unsafe { syscall(k::__NR_exit_group, [status as usize]) };
    unreachable!()
}
