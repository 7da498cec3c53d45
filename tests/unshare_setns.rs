//! `unshare`, `setns`, `open_ns` and `ns_id` on the running kernel.

mod common;

use common::proc::sched_yield;
use common::{hostname, in_child, is_root, SharedPage};
use nsclone::sys::getpid;
use nsclone::sys::sethostname;
use nsclone::{
    ns_id, open_ns, setns, spawn, unshare, BorrowedFd, CloneFlags, Errno, Error, ExitStatus,
    MmapStack, Namespace, Refusal, Rule,
};
use std::os::unix::fs::MetadataExt;

#[test]
fn ns_id_is_the_inode_of_the_namespace_file() {
    for ns in Namespace::ALL {
        let path = format!("/proc/self/ns/{}", ns.proc_name());
        let Ok(meta) = std::fs::metadata(&path) else {
            eprintln!("SKIPPED {}: this kernel has no {path}", ns.proc_name());
            continue;
        };
        assert_eq!(ns_id(0, ns), Ok(meta.ino()), "{path}");
        assert_eq!(
            ns_id(std::process::id() as i32, ns),
            Ok(meta.ino()),
            "{path}"
        );
    }
}

#[test]
fn open_ns_of_a_process_that_does_not_exist_is_enoent() {
    assert_eq!(
        open_ns(i32::MAX, Namespace::Uts).unwrap_err(),
        Errno::ENOENT
    );
    assert_eq!(open_ns(-5, Namespace::Uts).unwrap_err(), Errno::EINVAL);
}

#[test]
fn unshare_moves_the_caller_into_a_new_uts_namespace_the_parent_does_not_share() {
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let parent_uts = ns_id(0, Namespace::Uts).unwrap();
    let before = hostname();
    let status = in_child(|| {
        if unshare(CloneFlags::NEWUTS).is_err() {
            return 1;
        }
        if ns_id(0, Namespace::Uts) == Ok(parent_uts) {
            return 2;
        }
        match sethostname(b"unshared") {
            Ok(()) => 0,
            Err(_) => 3,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(hostname(), before);
}

#[test]
fn unshare_newpid_moves_only_the_callers_children() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let status = in_child(|| {
        let pid = getpid();
        let own_pid_ns = ns_id(0, Namespace::Pid);
        if unshare(CloneFlags::NEWPID).is_err() {
            return 1;
        }
        if getpid() != pid || ns_id(0, Namespace::Pid) != own_pid_ns {
            return 2;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: getpid is one raw syscall.
        let child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), getpid) };
        match child.map(|mut c| c.wait()) {
            Ok(Ok(ExitStatus::Exited(1))) => 0,
            _ => 3,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn unshare_refuses_flags_other_than_namespaces_before_the_syscall() {
    for flags in [
        CloneFlags::FILES,
        CloneFlags::FS,
        CloneFlags::VM,
        CloneFlags::NEWNET | CloneFlags::SYSVSEM,
    ] {
        let refused = Error::Refused(Refusal::UnshareNamespacesOnly);
        assert_eq!(unshare(flags), Err(refused), "{flags}");
        assert_eq!(nsclone::check_unshare(flags), Err(refused), "{flags}");
    }
}

#[test]
fn setns_joins_the_uts_namespace_of_another_process_through_its_ns_file() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let done = SharedPage::new(0u32);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only reads a shared page and calls sched_yield, a
    // raw syscall.
    let mut holder = unsafe {
        spawn(CloneFlags::NEWUTS, stack.as_mut_slice(), || {
            while done.get() == 0 {
                sched_yield();
            }
            0
        })
    }
    .unwrap();
    let target = ns_id(holder.pid(), Namespace::Uts).unwrap();
    assert_ne!(target, ns_id(0, Namespace::Uts).unwrap());
    let fd = open_ns(holder.pid(), Namespace::Uts).unwrap();
    let status = in_child(|| {
        if setns(&fd, CloneFlags::NEWNET) != Err(Error::Kernel(Errno::EINVAL)) {
            return 1;
        }
        if setns(&fd, CloneFlags::NEWUTS).is_err() {
            return 2;
        }
        if ns_id(0, Namespace::Uts) != Ok(target) {
            return 3;
        }
        match setns(&fd, CloneFlags::empty()) {
            Ok(()) => 0,
            Err(_) => 4,
        }
    });
    done.set(1);
    assert_eq!(holder.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn setns_refuses_kinds_that_are_not_namespaces_and_closed_fds() {
    let fd = open_ns(0, Namespace::Uts).unwrap();
    let err = setns(&fd, CloneFlags::NEWUTS | CloneFlags::VM).unwrap_err();
    assert_eq!(err, Error::Invalid(Rule::SetnsNotANamespace));
    assert_eq!(err.errno(), Errno::EINVAL);
    // SAFETY: a descriptor number no test opens; the kernel only looks it up.
    let closed = unsafe { BorrowedFd::borrow_raw(1_000_000) };
    assert_eq!(
        setns(closed, CloneFlags::NEWUTS),
        Err(Error::Kernel(Errno::EBADF))
    );
}
