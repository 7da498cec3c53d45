//! User-namespace ID maps written by the parent before the child runs, as
//! root and unprivileged, and the kernel's refusals.

mod common;

use common::proc::{contains, no_child_left, write_file};
use common::{getegid, geteuid, in_child, in_child_as_nobody, is_root, SharedPage, NOBODY};
use core::ffi::{c_int, CStr};
use nsclone::sys::read_file;
use nsclone::{
    unshare, user_namespace_refusal_cause, write_id_maps, CloneFlags, Errno, Error, ExitStatus,
    IdMap, MmapStack, Refusal, SetGroups, Spawn, Step, MAX_ID_MAP_LINES,
};

fn map(inside: u32, outside: u32, count: u32) -> IdMap {
    IdMap {
        inside,
        outside,
        count,
    }
}

/// Whether the file (a 340-line map is about 11 KiB as the kernel shows it) contains `want`.
fn own_file_contains(file: &CStr, want: &[u8]) -> bool {
    let mut text = [0u8; 16384];
    let len = read_file(file, &mut text).unwrap_or(0);
    contains(&text[..len], want)
}

/// Runs `body` in a child of `request` (with NEWUSER) on a fresh stack.
fn run(request: Spawn<'_>, body: fn() -> c_int) -> Result<ExitStatus, Error> {
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    // SAFETY: every body here makes raw syscalls only, reading its own IDs
    // and /proc files into buffers on its (guarded) stack.
    let mut child = unsafe { request.spawn(stack.as_mut_slice(), body) }?;
    Ok(child.wait()?)
}

#[test]
fn root_writes_multi_line_maps_and_the_child_is_uid_0_with_them() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root for a multi-line map");
    let uid = [map(0, 0, 1), map(1, 100_000, 1000)];
    let gid = [map(0, 0, 1), map(1, 200_000, 1000)];
    let request = Spawn::new(CloneFlags::NEWUSER).id_maps(&uid, &gid, SetGroups::Allow);
    let status = run(request, || {
        if geteuid() != 0 || getegid() != 0 {
            return 1;
        }
        let uid_lines = own_file_contains(c"/proc/self/uid_map", b"1     100000       1000");
        let gid_lines = own_file_contains(c"/proc/self/gid_map", b"1     200000       1000");
        let allowed = own_file_contains(c"/proc/self/setgroups", b"allow");
        match (uid_lines, gid_lines, allowed) {
            (true, true, true) => 0,
            _ => 2,
        }
    });
    assert_eq!(status, Ok(ExitStatus::Exited(0)));
}

/// 340 lines fit in the kernel's page only with short numbers.
#[test]
fn the_kernel_takes_340_lines_as_formatted() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root for a multi-line map");
    let uid: [IdMap; MAX_ID_MAP_LINES] =
        core::array::from_fn(|i| map(i as u32, 1000 + i as u32, 1));
    let request = Spawn::new(CloneFlags::NEWUSER).id_maps(&uid, &[], SetGroups::Unchanged);
    let status = run(request, || {
        let last = own_file_contains(c"/proc/self/uid_map", b"339       1339          1");
        // The creator (uid 0 outside) is not in this map, so it stays unmapped.
        (geteuid() != NOBODY || !last) as c_int
    });
    assert_eq!(status, Ok(ExitStatus::Exited(0)));
}

#[test]
fn an_unprivileged_map_root_user_is_uid_0_with_setgroups_denied() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWPID).map_root_user();
        let inside = run(request, || {
            let denied = own_file_contains(c"/proc/self/setgroups", b"deny");
            let mapped = own_file_contains(c"/proc/self/uid_map", b"0      65534          1");
            (geteuid() != 0 || getegid() != 0 || !denied || !mapped) as c_int
        });
        match inside {
            Ok(ExitStatus::Exited(code)) => code,
            _ => 91,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn an_unprivileged_map_current_user_keeps_the_callers_ids() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER).map_current_user();
        let inside = run(request, || {
            let mapped = own_file_contains(c"/proc/self/uid_map", b"65534      65534          1");
            (geteuid() != NOBODY || !mapped) as c_int
        });
        match inside {
            Ok(ExitStatus::Exited(code)) => code,
            _ => 91,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn a_map_the_kernel_refuses_ends_the_waiting_child_and_returns_the_error() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let ran = SharedPage::new(0u32);
    let status = in_child_as_nobody(|| {
        // An unprivileged caller may map only its own uid, not uid 0 outside.
        let foreign = [map(0, 0, 1)];
        let request = Spawn::new(CloneFlags::NEWUSER).id_maps(&foreign, &[], SetGroups::Unchanged);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure only writes to a shared page (were it to run).
        let result = unsafe {
            request.spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        match result {
            Err(err) if err.step() == Some(Step::UidMap) && err.errno() == Errno::EPERM => {}
            _ => return 1,
        }
        // No zombie and no other child is left behind.
        if no_child_left() {
            0
        } else {
            2
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(ran.get(), 0, "the closure ran without its maps");
}

#[test]
fn maps_need_newuser_and_cannot_wait_on_a_vfork_parent() {
    let uid = [map(0, 0, 1)];
    let request = |flags| Spawn::new(flags).id_maps(&uid, &[], SetGroups::Unchanged);
    let ran = SharedPage::new(0u32);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    for (flags, refusal) in [
        (CloneFlags::NEWPID, Refusal::IdMapsNeedNewuser),
        (
            CloneFlags::NEWUSER | CloneFlags::VFORK,
            Refusal::IdMapsWithVfork,
        ),
        // The closure path refuses CLONE_VM before it looks at the maps.
        (
            CloneFlags::NEWUSER | CloneFlags::VM | CloneFlags::VFORK,
            Refusal::SpawnSharesMemory,
        ),
    ] {
        let refused = Error::Refused(refusal);
        assert_eq!(request(flags).check(), Err(refused), "{flags}");
        // SAFETY: the closure only writes to a shared page (were it to run).
        let result = unsafe {
            request(flags).spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        assert_eq!(result.unwrap_err(), refused, "{flags}");
    }
    assert_eq!(ran.get(), 0, "a refused closure ran");
    assert_eq!(request(CloneFlags::NEWUSER).check(), Ok(()));
    // exec drops CLONE_VFORK when its child waits for maps.
    assert_eq!(request(CloneFlags::NEWUSER).check_exec(), Ok(()));
}

#[test]
fn oversize_or_overlapping_maps_and_negative_pids_are_refused_by_rule_before_the_kernel() {
    let lines: [IdMap; MAX_ID_MAP_LINES + 1] = core::array::from_fn(|i| map(i as u32, i as u32, 1));
    let own_pid = std::process::id() as i32;
    let oversize = write_id_maps(own_pid, &lines, &[], SetGroups::Unchanged).unwrap_err();
    assert_eq!(oversize, Error::Refused(Refusal::IdMapTooLong));
    assert_eq!(oversize.errno(), Errno::EINVAL);
    let overlapping = [map(0, 0, 10), map(5, 100, 1)];
    assert_eq!(
        write_id_maps(own_pid, &[], &overlapping, SetGroups::Unchanged),
        Err(Error::Refused(Refusal::IdMapOverlaps))
    );
    let valid = [map(0, 0, 1)];
    assert_eq!(
        write_id_maps(-5, &valid, &valid, SetGroups::Deny),
        Err(Error::Refused(Refusal::PidNegative))
    );
    // Nothing was written: our own (initial) user namespace's maps are untouched.
    let own = std::fs::read_to_string("/proc/self/uid_map").unwrap();
    assert!(own.contains("4294967295"), "{own}");
}

#[test]
fn a_refused_user_namespace_is_explained() {
    skip_under_qemu_user!();
    skip_if!(
        !is_root(),
        "needs root to map uid 0 into a scratch user namespace"
    );
    let status = in_child(|| {
        // In a user namespace of our own, as its root, forbid further ones.
        if unshare(CloneFlags::NEWUSER).is_err() {
            return 1;
        }
        if write_file(c"/proc/self/uid_map", b"0 0 1\n").is_err() {
            return 2;
        }
        if write_file(c"/proc/sys/user/max_user_namespaces", b"0\n").is_err() {
            return 3;
        }
        if unshare(CloneFlags::NEWUSER) != Err(Error::Kernel(Errno::ENOSPC)) {
            return 4;
        }
        match user_namespace_refusal_cause() {
            Some(cause) if cause.contains("user.max_user_namespaces") => 0,
            _ => 5,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(
        user_namespace_refusal_cause(),
        None,
        "this machine allows user namespaces"
    );
}
