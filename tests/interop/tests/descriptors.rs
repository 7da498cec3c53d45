//! nsclone with feature `std` beside rustix and std: its descriptors are
//! std's own, so each goes from one crate to another as it is, without a
//! single conversion call.

use nsclone::{
    open_ns, setns, AsFd, AsRawFd, CStrArray, Child, CloneFlags, ExitStatus, MmapStack, Namespace,
    Signal, Spawn, EXEC_STACK,
};
use rustix::fs::OFlags;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;

/// Prints a visible skip line and returns from the test when `$cond` holds.
macro_rules! skip_if {
    ($cond:expr, $why:expr) => {
        if $cond {
            eprintln!("SKIPPED {}: {}", module_path!(), $why);
            return;
        }
    };
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `sleep 60` as a child in new namespaces `flags`, with a pidfd.
fn sleeper(flags: CloneFlags) -> Child {
    let mut stack = MmapStack::new(EXEC_STACK).unwrap();
    let mut argv_buf = [core::ptr::null(); 3];
    let argv = CStrArray::new(&[c"sleep", c"60"], &mut argv_buf).unwrap();
    let mut envp_buf = [core::ptr::null(); 1];
    let envp = CStrArray::new(&[], &mut envp_buf).unwrap();
    Spawn::new(flags)
        .pidfd(true)
        .exec(stack.as_mut_slice(), c"/bin/sleep", argv, envp)
        .unwrap()
}

#[test]
fn a_namespace_file_from_nsclone_is_the_one_rustix_and_std_stat() {
    let ours = std::fs::metadata("/proc/self/ns/uts").unwrap().ino();
    let fd = open_ns(0, Namespace::Uts).unwrap();
    assert_eq!(rustix::fs::fstat(&fd).unwrap().st_ino, ours);
    let file = File::from(fd);
    assert_eq!(file.metadata().unwrap().ino(), ours);
    assert_eq!(nsclone::ns_id(0, Namespace::Uts), Ok(ours));
}

#[test]
fn a_file_nsclone_opens_reads_as_a_std_file() {
    let fd = nsclone::sys::open(c"/proc/self/stat", OFlags::RDONLY.bits()).unwrap();
    let mut text = String::new();
    File::from(fd).read_to_string(&mut text).unwrap();
    assert!(text.starts_with(&format!("{} (", std::process::id())));
}

#[test]
fn nsclone_writes_into_a_rustix_pipe_that_rustix_and_std_read() {
    let (read, write) = rustix::pipe::pipe().unwrap();
    assert_eq!(nsclone::sys::write(&write, b"through"), Ok(7));
    nsclone::sys::write_all(write, b" all").unwrap();
    let mut first = [0u8; 7];
    assert_eq!(rustix::io::read(&read, &mut first), Ok(7));
    assert_eq!(&first, b"through");
    let mut rest = String::new();
    File::from(read).read_to_string(&mut rest).unwrap();
    assert_eq!(rest, " all");
}

#[test]
fn a_childs_pidfd_is_one_rustix_signals_and_std_inspects() {
    let mut child = sleeper(CloneFlags::empty());
    let pidfd = child.pidfd().unwrap();
    let fdinfo = format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd());
    let fdinfo = std::fs::read_to_string(fdinfo).unwrap();
    assert!(fdinfo
        .lines()
        .any(|line| line == format!("Pid:\t{}", child.pid())));
    let pid = rustix::process::Pid::from_raw(child.pid()).unwrap();
    let opened = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).unwrap();
    let stat = rustix::fs::fstat(pidfd).unwrap();
    assert_eq!(stat.st_ino, rustix::fs::fstat(&opened).unwrap().st_ino);
    rustix::process::pidfd_send_signal(pidfd, rustix::process::Signal::KILL).unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Signaled(Signal::KILL.raw())));
}

#[test]
fn setns_takes_std_and_rustix_files_and_rustix_takes_nsclones() {
    skip_if!(!is_root(), "joins a UTS namespace: needs root");
    let mut child = sleeper(CloneFlags::NEWUTS);
    let its = nsclone::ns_id(child.pid(), Namespace::Uts).unwrap();
    // setns moves the calling thread only: a thread of this test's own.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let thread_ns = || rustix::fs::stat("/proc/thread-self/ns/uts").unwrap().st_ino;
            let ours = open_ns(0, Namespace::Uts).unwrap();
            let mode = rustix::fs::Mode::empty();
            let path = format!("/proc/{}/ns/uts", child.pid());
            setns(File::open(&path).unwrap(), CloneFlags::NEWUTS).unwrap();
            assert_eq!(thread_ns(), its);
            setns(&ours, CloneFlags::empty()).unwrap();
            assert_ne!(thread_ns(), its);
            let fd = rustix::fs::open(&path, OFlags::RDONLY | OFlags::CLOEXEC, mode).unwrap();
            setns(fd, CloneFlags::NEWUTS).unwrap();
            assert_eq!(thread_ns(), its);
            rustix::thread::move_into_link_name_space(ours.as_fd(), None).unwrap();
            assert_eq!(thread_ns(), rustix::fs::fstat(&ours).unwrap().st_ino);
        });
    });
    child.kill(Signal::KILL).unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Signaled(Signal::KILL.raw())));
}
