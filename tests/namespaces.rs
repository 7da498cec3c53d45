//! Each namespace kind created by `spawn`, checked by what the child observes
//! on the running kernel: as root, and again unprivileged (uid 65534 creating
//! a user namespace together with the kind); each through legacy clone and
//! through clone3.

mod common;

use common::proc::{contains, sched_yield, write_file};
use common::{geteuid, hostname, in_child_as_nobody, is_root, ns_inode, NOBODY};
use core::ffi::{c_int, CStr};
use nsclone::sys::{getpid, mount, read_file, sethostname, ProcPath};
use nsclone::{spawn, CloneFlags, Errno, ExitStatus, MmapStack, Namespace, Spawn, Syscall};

/// What the parent sees before the child starts.
#[derive(Copy, Clone)]
struct Before {
    inodes: [u64; 8],
    hostname: [u8; 65],
}

impl Before {
    fn now() -> Before {
        Before {
            inodes: Namespace::ALL.map(|ns| ns_inode(ns_path(ns).as_c_str())),
            hostname: hostname(),
        }
    }

    fn inode(&self, ns: Namespace) -> u64 {
        self.inodes[Namespace::ALL.iter().position(|&n| n == ns).unwrap()]
    }
}

/// `/proc/self/ns/<name>`.
fn ns_path(ns: Namespace) -> ProcPath {
    ProcPath::new(0, &[b"ns/", ns.proc_name().as_bytes()]).expect("a namespace's path fits")
}

/// 0 when the child is in a different namespace of `kind` than the parent was.
fn in_new(kind: Namespace, before: &Before) -> c_int {
    if ns_inode(ns_path(kind).as_c_str()) != before.inode(kind) {
        0
    } else {
        10
    }
}

/// Both ways `spawn` creates children: legacy clone, and clone3 (which a
/// pidfd request selects), each checked to be the syscall used.
fn both_syscalls(flags: CloneFlags) -> [Spawn<'static>; 2] {
    let legacy = Spawn::new(flags);
    let clone3 = Spawn::new(flags).pidfd(true);
    assert_eq!(legacy.syscall(), Syscall::Clone);
    assert_eq!(clone3.syscall(), Syscall::Clone3);
    [legacy, clone3]
}

/// Runs `fact` in a child created with `flags` by the test process (root).
fn as_root(flags: CloneFlags, fact: fn(&Before) -> c_int) {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root (CI runs as root)");
    for request in both_syscalls(flags) {
        let before = Before::now();
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        // SAFETY: each fact makes raw syscalls only and reads its copy of `before`.
        let mut child =
            unsafe { request.spawn(stack.as_mut_slice(), move || fact(&before)) }.unwrap();
        assert_eq!(
            child.wait(),
            Ok(ExitStatus::Exited(0)),
            "{flags} via {:?}",
            request.syscall()
        );
        assert_eq!(hostname(), before.hostname, "the parent's hostname changed");
    }
}

/// Runs `fact` in a child that uid 65534 creates with `NEWUSER | flags`.
fn as_nobody(flags: CloneFlags, fact: fn(&Before) -> c_int) {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    for request in both_syscalls(CloneFlags::NEWUSER | flags) {
        as_nobody_through(request, fact);
    }
}

fn as_nobody_through(request: Spawn<'static>, fact: fn(&Before) -> c_int) {
    let before = Before::now();
    let refused = common::SharedPage::new(0i32);
    let status = in_child_as_nobody(|| {
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        // SAFETY: each fact makes raw syscalls only and reads its copy of `before`.
        match unsafe { request.spawn(stack.as_mut_slice(), move || fact(&before)) } {
            Ok(mut child) => match child.wait() {
                Ok(ExitStatus::Exited(code)) => code,
                _ => 91,
            },
            Err(err) => {
                refused.set(err.errno().raw());
                92
            }
        }
    });
    let refused = Errno::from_raw(refused.get());
    skip_if!(
        matches!(refused, Errno::EPERM | Errno::ENOSPC | Errno::EACCES),
        "this kernel refuses unprivileged user namespaces (user.max_user_namespaces, an LSM or a distro sysctl)"
    );
    assert_eq!(status, ExitStatus::Exited(0), "{:?}: {refused:?}", request);
    assert_eq!(hostname(), before.hostname, "the parent's hostname changed");
}

fn pid_fact(before: &Before) -> c_int {
    if getpid() != 1 {
        return 1;
    }
    in_new(Namespace::Pid, before)
}

#[test]
fn a_pid_namespace_child_is_pid_1() {
    as_root(CloneFlags::NEWPID, pid_fact);
}

#[test]
fn an_unprivileged_pid_namespace_child_is_pid_1() {
    as_nobody(CloneFlags::NEWPID, pid_fact);
}

/// Sets a hostname the parent must not see (checked by the parent afterwards).
fn uts_fact(before: &Before) -> c_int {
    if sethostname(b"nsclone-child").is_err() {
        return 1;
    }
    if !hostname().starts_with(b"nsclone-child\0") {
        return 2;
    }
    in_new(Namespace::Uts, before)
}

#[test]
fn a_uts_namespace_child_sets_a_hostname_the_parent_does_not_see() {
    as_root(CloneFlags::NEWUTS, uts_fact);
}

#[test]
fn an_unprivileged_uts_namespace_child_sets_a_hostname_the_parent_does_not_see() {
    as_nobody(CloneFlags::NEWUTS, uts_fact);
}

fn ipc_fact(before: &Before) -> c_int {
    in_new(Namespace::Ipc, before)
}

#[test]
fn an_ipc_namespace_child_has_its_own_ipc_namespace() {
    as_root(CloneFlags::NEWIPC, ipc_fact);
}

#[test]
fn an_unprivileged_ipc_namespace_child_has_its_own_ipc_namespace() {
    as_nobody(CloneFlags::NEWIPC, ipc_fact);
}

/// Only `lo` is listed in a fresh network namespace.
fn net_fact(before: &Before) -> c_int {
    let mut dev = [0u8; 4096];
    let Ok(len) = read_file(c"/proc/self/net/dev", &mut dev) else {
        return 1;
    };
    let interfaces = dev[..len]
        .split(|&b| b == b'\n')
        .skip(2)
        .filter(|l| contains(l, b":"));
    let mut count = 0;
    for line in interfaces {
        count += 1;
        if !line.trim_ascii_start().starts_with(b"lo:") {
            return 2;
        }
    }
    if count != 1 {
        return 3;
    }
    in_new(Namespace::Net, before)
}

#[test]
fn a_net_namespace_child_sees_only_lo() {
    as_root(CloneFlags::NEWNET, net_fact);
}

#[test]
fn an_unprivileged_net_namespace_child_sees_only_lo() {
    as_nobody(CloneFlags::NEWNET, net_fact);
}

/// Where the mount-namespace tests mount a tmpfs the parent must not see.
const MOUNT_POINT: &CStr = c"/tmp/nsclone-mount-test";

/// Mounts a tmpfs after making every mount private (so nothing propagates
/// back), and finds it in its own mountinfo.
fn mnt_fact(before: &Before) -> c_int {
    if mount(
        Some(c"none"),
        c"/",
        None,
        linux_raw_sys::general::MS_REC | linux_raw_sys::general::MS_PRIVATE,
        None,
    )
    .is_err()
    {
        return 1;
    }
    if mount(Some(c"nsclone"), MOUNT_POINT, Some(c"tmpfs"), 0, None).is_err() {
        return 2;
    }
    let mut info = [0u8; 32 * 1024];
    let Ok(len) = read_file(c"/proc/self/mountinfo", &mut info) else {
        return 3;
    };
    if !contains(&info[..len], MOUNT_POINT.to_bytes()) {
        return 4;
    }
    in_new(Namespace::Mount, before)
}

fn assert_mount_not_seen_by_parent() {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !info.contains("/tmp/nsclone-mount-test"),
        "the child's mount leaked out"
    );
}

#[test]
fn a_mount_namespace_child_mounts_what_the_parent_does_not_see() {
    std::fs::create_dir_all("/tmp/nsclone-mount-test").unwrap();
    as_root(CloneFlags::NEWNS, mnt_fact);
    assert_mount_not_seen_by_parent();
}

#[test]
fn an_unprivileged_mount_namespace_child_mounts_what_the_parent_does_not_see() {
    std::fs::create_dir_all("/tmp/nsclone-mount-test").unwrap();
    as_nobody(CloneFlags::NEWNS, mnt_fact);
    assert_mount_not_seen_by_parent();
}

/// In a new cgroup namespace the caller's cgroups are the root of every hierarchy.
fn cgroup_fact(before: &Before) -> c_int {
    let mut cgroups = [0u8; 4096];
    let Ok(len) = read_file(c"/proc/self/cgroup", &mut cgroups) else {
        return 1;
    };
    let lines = cgroups[..len]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty());
    if lines.clone().count() == 0 || !lines.clone().all(|l| l.ends_with(b":/")) {
        return 2;
    }
    in_new(Namespace::Cgroup, before)
}

#[test]
fn a_cgroup_namespace_child_sees_its_cgroup_as_the_root() {
    as_root(CloneFlags::NEWCGROUP, cgroup_fact);
}

#[test]
fn an_unprivileged_cgroup_namespace_child_sees_its_cgroup_as_the_root() {
    as_nobody(CloneFlags::NEWCGROUP, cgroup_fact);
}

/// A user-namespace child is uid 65534 until its parent maps it, then uid 0.
/// The parent writes `map` to its uid_map once the child has seen the unmapped uid.
fn user_namespace_maps_root(map: &'static [u8]) -> ExitStatus {
    const UNMAPPED_SEEN: u32 = 1;
    const MAPPED: u32 = 2;
    let step = common::SharedPage::new(0u32);
    let wait_for = |value| {
        while step.get() != value {
            sched_yield();
        }
    };
    let before = Before::now();
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    // SAFETY: the closure makes raw syscalls only, talks through a shared
    // page and reads its copy of `before`.
    let mut child = unsafe {
        spawn(CloneFlags::NEWUSER, stack.as_mut_slice(), || {
            let unmapped = geteuid() == NOBODY;
            step.set(UNMAPPED_SEEN);
            wait_for(MAPPED);
            match (unmapped, geteuid()) {
                (false, _) => 1,
                (true, 0) => in_new(Namespace::User, &before),
                (true, _) => 2,
            }
        })
    }
    .unwrap();
    wait_for(UNMAPPED_SEEN);
    let written =
        ProcPath::new(child.pid(), &[b"uid_map"]).and_then(|path| write_file(path.as_c_str(), map));
    step.set(MAPPED);
    let status = child.wait().unwrap();
    match written {
        Ok(()) => status,
        Err(_) => ExitStatus::Exited(3),
    }
}

#[test]
fn a_user_namespace_child_is_root_after_its_uid_map_is_written() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to map uid 0");
    assert_eq!(user_namespace_maps_root(b"0 0 1\n"), ExitStatus::Exited(0));
}

#[test]
fn an_unprivileged_user_namespace_child_is_root_after_mapping_its_creator() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let status = in_child_as_nobody(|| match user_namespace_maps_root(b"0 65534 1\n") {
        ExitStatus::Exited(code) => code,
        ExitStatus::Signaled(_) => 91,
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn every_kind_but_time_at_once_gives_a_pid_1_in_all_new_namespaces() {
    fn all_fact(before: &Before) -> c_int {
        let kinds = (CloneFlags::ALL_NAMESPACES - CloneFlags::NEWTIME).namespaces();
        for (i, kind) in kinds.enumerate() {
            if in_new(kind, before) != 0 {
                return 20 + i as c_int;
            }
        }
        pid_fact(before)
    }
    as_nobody(
        CloneFlags::ALL_NAMESPACES - CloneFlags::NEWTIME - CloneFlags::NEWUSER,
        all_fact,
    );
}
