//! Time namespaces: offsets of CLOCK_MONOTONIC and CLOCK_BOOTTIME set before
//! the child starts, from a multithreaded caller (a test thread is never the
//! main thread), as root and unprivileged, and the caller left as it was.

mod common;

use common::kernel_lines::{Side, CLONE3_NEWTIME, TIME_NAMESPACE_VM_CHILD};
use common::proc::{no_child_left, sched_yield};
use common::{geteuid, in_child, in_child_as_nobody, is_root, kernel_line, ns_inode, SharedPage};
use core::ffi::{c_char, c_int, CStr};
use core::mem::{align_of_val, size_of_val};
use linux_raw_sys::general as k;
use nsclone::sys::{getpid, open, read_file, syscall};
use nsclone::{
    spawn, unshare, AsFd, AsRawFd, BorrowedFd, CStrArray, CloneFlags, Errno, Error, ExitStatus,
    FromRawFd, IdMap, MmapStack, OwnedFd, Refusal, SetGroups, Signal, Spawn, Step, Syscall,
    TimeOffset,
};

const NSEC_PER_SEC: i64 = 1_000_000_000;

/// How much later than the parent the child may read its clock.
const SLACK_NS: i64 = 30 * NSEC_PER_SEC;

/// ioctl(2) on an nsfs fd: the user namespace that owns the namespace.
const NS_GET_USERNS: usize = 0xb701;

/// The calling thread's time namespaces (the test thread is not the main thread).
const OWN_TIME: &CStr = c"/proc/thread-self/ns/time";
const OWN_TIME_FOR_CHILDREN: &CStr = c"/proc/thread-self/ns/time_for_children";

/// clock_gettime(2) through the syscall, not the vDSO, in nanoseconds.
fn clock_ns(clock: u32) -> i64 {
    let mut ts = [0i64; 2];
    let args = [clock as usize, ts.as_mut_ptr() as usize];
    // SAFETY: the kernel writes one struct timespec (two 64-bit words) into `ts`.
    unsafe { syscall(k::__NR_clock_gettime, args) }.expect("clock_gettime");
    ts[0] * NSEC_PER_SEC + ts[1]
}

fn monotonic_ns() -> i64 {
    clock_ns(k::CLOCK_MONOTONIC)
}

fn boottime_ns() -> i64 {
    clock_ns(k::CLOCK_BOOTTIME)
}

fn secs(seconds: i64) -> TimeOffset {
    TimeOffset::from_secs(seconds)
}

/// The calling thread's time namespace and `time_for_children`, by inode.
fn own_time_namespaces() -> (u64, u64) {
    (ns_inode(OWN_TIME), ns_inode(OWN_TIME_FOR_CHILDREN))
}

/// The inode of the file `fd` refers to.
fn fd_inode(fd: BorrowedFd<'_>) -> u64 {
    let mut stat = core::mem::MaybeUninit::<k::stat>::uninit();
    let args = [fd.as_raw_fd() as usize, stat.as_mut_ptr() as usize];
    // SAFETY: the kernel fills the whole struct stat on success.
    match unsafe { syscall(k::__NR_fstat, args) } {
        // SAFETY: fstat succeeded.
        Ok(_) => unsafe { stat.assume_init() }.st_ino,
        Err(_) => 0,
    }
}

/// In a child: the inode of the user namespace that owns its time namespace.
fn owner_of_own_time_namespace() -> u64 {
    let Ok(time) = open(c"/proc/self/ns/time", k::O_RDONLY) else {
        return 0;
    };
    let args = [time.as_raw_fd() as usize, NS_GET_USERNS];
    // SAFETY: NS_GET_USERNS takes no argument and returns a new fd.
    let Ok(owner) = (unsafe { syscall(k::__NR_ioctl, args) }) else {
        return 0;
    };
    // SAFETY: the new fd is ours alone; dropping it closes it, as dropping
    // `time` closes that one.
    let owner = unsafe { OwnedFd::from_raw_fd(owner as c_int) };
    fd_inode(owner.as_fd())
}

/// The getppid(2) of the caller.
fn getppid() -> i32 {
    // SAFETY: getppid reads no memory and cannot fail.
    unsafe { syscall(k::__NR_getppid, []) }.map_or(0, |pid| pid as i32)
}

/// Field `n` (1-based, as in proc(5)) of `/proc/self/stat`, a number.
fn own_stat_field(n: usize) -> Option<i64> {
    let mut text = [0u8; 1024];
    let len = read_file(c"/proc/self/stat", &mut text).ok()?;
    let after_comm = text[..len].iter().rposition(|&b| b == b')')? + 2;
    let field = text[after_comm..len].split(|&b| b == b' ').nth(n - 3)?;
    core::str::from_utf8(field).ok()?.parse().ok()
}

/// What a child read of its clocks and namespaces.
#[derive(Copy, Clone, Default)]
struct Seen {
    monotonic: i64,
    boottime: i64,
    time_ns: u64,
    pid: i32,
    euid: u32,
    time_owner: u64,
    user_ns: u64,
}

/// Runs in a child: what it sees.
fn seen() -> Seen {
    Seen {
        monotonic: monotonic_ns(),
        boottime: boottime_ns(),
        time_ns: ns_inode(c"/proc/self/ns/time"),
        pid: getpid(),
        euid: geteuid(),
        time_owner: owner_of_own_time_namespace(),
        user_ns: ns_inode(c"/proc/self/ns/user"),
    }
}

/// The parent's reading of one clock before the child started and after it
/// ended, and the child's reading in between.
#[derive(Copy, Clone, Default, Debug)]
struct Readings {
    before: i64,
    child: i64,
    after: i64,
}

impl Readings {
    /// Whether the child's clock ran exactly `offset_ns` ahead of the parent's.
    fn shifted_by(&self, offset_ns: i64) -> bool {
        (self.before + offset_ns..=self.after + offset_ns).contains(&self.child)
    }

    /// How far ahead of the parent's clock the child read it, at most.
    fn ahead(&self) -> i64 {
        self.child - self.before
    }
}

/// What a request's child saw, with the parent's readings around it.
#[derive(Copy, Clone, Default)]
struct Look {
    monotonic: Readings,
    boottime: Readings,
    seen: Seen,
}

/// Spawns `request`'s child, which records what it sees, and waits for it.
fn spawn_and_look(request: Spawn<'_>) -> Result<Look, Error> {
    let page = SharedPage::new(Seen::default());
    let mut stack = MmapStack::new(256 * 1024)?;
    let before = (monotonic_ns(), boottime_ns());
    // SAFETY: the closure makes raw syscalls only and writes what it saw to
    // a shared page.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), || {
            page.set(seen());
            0
        })
    }?;
    let status = child.wait();
    let after = (monotonic_ns(), boottime_ns());
    if status != Ok(ExitStatus::Exited(0)) {
        return Err(Error::Kernel(Errno::ECHILD));
    }
    let seen = page.get();
    let readings = |before, child, after| Readings {
        before,
        child,
        after,
    };
    Ok(Look {
        monotonic: readings(before.0, seen.monotonic, after.0),
        boottime: readings(before.1, seen.boottime, after.1),
        seen,
    })
}

/// The step that failed and its errno, if `result` is a failed step.
fn failed_step<T>(result: Result<T, Error>) -> Option<(Step, Errno)> {
    let err = result.err()?;
    Some((err.step()?, err.errno()))
}

/// For a child that cannot see the parent's later reading: whether `later -
/// earlier` is `offset` plus at most the slack.
fn shifted_by(earlier: i64, later: i64, offset_ns: i64) -> bool {
    let elapsed = later - earlier - offset_ns;
    (0..SLACK_NS).contains(&elapsed)
}

#[test]
fn a_child_sees_clock_monotonic_shifted_by_its_offset() {
    skip_under_qemu_user!();
    skip_if!(
        !is_root(),
        "needs CAP_SYS_TIME; the unprivileged test uses NEWUSER"
    );
    let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(1000), TimeOffset::ZERO);
    let look = spawn_and_look(request).unwrap();
    let ahead = look.monotonic.ahead();
    eprintln!("monotonic +1000 s: the child read {ahead} ns ahead of the parent");
    assert!(
        look.monotonic.shifted_by(1000 * NSEC_PER_SEC),
        "{:?}",
        look.monotonic
    );
    assert!(look.boottime.shifted_by(0), "boottime moved too");
}

#[test]
fn a_child_sees_clock_boottime_shifted_by_its_offset() {
    skip_under_qemu_user!();
    skip_if!(
        !is_root(),
        "needs CAP_SYS_TIME; the unprivileged test uses NEWUSER"
    );
    let request = Spawn::new(CloneFlags::empty()).time_offsets(TimeOffset::ZERO, secs(2000));
    let look = spawn_and_look(request).unwrap();
    let ahead = look.boottime.ahead();
    eprintln!("boottime +2000 s: the child read {ahead} ns ahead of the parent");
    assert!(
        look.boottime.shifted_by(2000 * NSEC_PER_SEC),
        "{:?}",
        look.boottime
    );
    assert!(look.monotonic.shifted_by(0), "monotonic moved too");
}

#[test]
fn negative_offsets_with_nanoseconds_set_the_clocks_back() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    // -1.25 s: the seconds round down, the nanoseconds add back.
    let back = TimeOffset {
        seconds: -2,
        nanoseconds: 750_000_000,
    };
    skip_if!(
        monotonic_ns() < 2 * NSEC_PER_SEC,
        "the machine booted too recently"
    );
    let request = Spawn::new(CloneFlags::empty()).time_offsets(back, back);
    let look = spawn_and_look(request).unwrap();
    eprintln!(
        "monotonic and boottime -1.25 s: the child read {} ns and {} ns against the parent",
        look.monotonic.ahead(),
        look.boottime.ahead()
    );
    assert!(
        look.monotonic.shifted_by(-1_250_000_000),
        "{:?}",
        look.monotonic
    );
    assert!(
        look.boottime.shifted_by(-1_250_000_000),
        "{:?}",
        look.boottime
    );
}

#[test]
fn the_callers_time_namespace_and_time_for_children_are_unchanged_afterwards() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let before = own_time_namespaces();
    assert_ne!(before.0, 0, "/proc/thread-self/ns/time is readable");
    assert_eq!(
        before.0, before.1,
        "the test thread starts with no pending time namespace"
    );
    let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(1000), secs(1000));
    let look = spawn_and_look(request).unwrap();
    assert_eq!(own_time_namespaces(), before);
    assert_ne!(
        look.seen.time_ns, before.0,
        "the child is in a new time namespace"
    );
    assert!(look.monotonic.shifted_by(1000 * NSEC_PER_SEC));
    assert!(
        shifted_by(look.monotonic.after, monotonic_ns(), 0),
        "the caller's own clock did not move"
    );
}

#[test]
fn an_offset_that_makes_the_monotonic_clock_negative_is_erange_and_leaves_no_child() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let ran = SharedPage::new(0u32);
    let status = in_child(|| {
        let before = own_time_namespaces();
        let too_far_back = secs(-(monotonic_ns() / NSEC_PER_SEC) - 1000);
        let request = Spawn::new(CloneFlags::empty()).time_offsets(too_far_back, TimeOffset::ZERO);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure only writes to a shared page (were it to run).
        let result = unsafe {
            request.spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        if failed_step(result) != Some((Step::TimeNamespace, Errno::ERANGE)) {
            return 1;
        }
        if !no_child_left() {
            return 2;
        }
        (own_time_namespaces() != before) as c_int * 3
    });
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(ran.get(), 0, "the closure ran");
}

#[test]
fn plain_newtime_through_clone3_gives_the_child_a_new_time_namespace() {
    skip_under_qemu_user!();
    skip_if!(
        !is_root(),
        "needs CAP_SYS_ADMIN; the unprivileged test uses NEWUSER"
    );
    let request = Spawn::new(CloneFlags::NEWTIME);
    assert_eq!(request.syscall(), Syscall::Clone3);
    let before = own_time_namespaces();
    // Before clone3 takes CLONE_NEWTIME, zero offsets are the documented way.
    let look = match kernel_line(&CLONE3_NEWTIME) {
        Side::Has => spawn_and_look(request).unwrap(),
        Side::Lacks(_) => {
            let refused = spawn_and_look(request).map(drop);
            assert_eq!(refused, Err(Error::Kernel(Errno::EINVAL)));
            spawn_and_look(Spawn::new(CloneFlags::empty()).time_offsets(secs(0), secs(0))).unwrap()
        }
    };
    assert_ne!(look.seen.time_ns, 0);
    assert_ne!(look.seen.time_ns, before.0);
    assert!(look.monotonic.shifted_by(0), "no offset");
    assert_eq!(own_time_namespaces(), before);
}

#[test]
fn exec_from_a_caller_whose_time_for_children_moved_runs_the_program_there_from_6_2() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "unsharing a time namespace needs CAP_SYS_ADMIN");
    let status = in_child(|| {
        if unshare(CloneFlags::NEWTIME).is_err() {
            return 1;
        }
        let side = kernel_line(&TIME_NAMESPACE_VM_CHILD);
        let script = c"[ \"$(readlink /proc/self/ns/time)\" = \"$(readlink /proc/$PPID/ns/time_for_children)\" ]";
        let started = common::exec(
            Spawn::new(CloneFlags::empty()),
            c"/bin/sh",
            &[c"sh", c"-c", script],
            &[c"PATH=/bin:/usr/bin"],
        );
        match (side, started.map(|mut child| child.wait())) {
            (Side::Has, Ok(Ok(ExitStatus::Exited(0)))) => 0,
            // Before 6.2 the kernel refuses exec's CLONE_VM child there.
            (Side::Lacks(_), Err(Error::Kernel(Errno::EINVAL))) => 0,
            _ => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn an_unprivileged_newuser_request_shifts_the_clocks_in_a_time_namespace_it_owns() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let results = SharedPage::new([Look::default(); 2]);
    let status = in_child_as_nobody(|| {
        let offsets = |request: Spawn<'static>| request.time_offsets(secs(1000), secs(3000));
        let mapped = offsets(Spawn::new(CloneFlags::NEWUSER).map_root_user());
        let unmapped = offsets(Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWPID));
        let mut seen = results.get();
        for (slot, request) in seen.iter_mut().zip([mapped, unmapped]) {
            match spawn_and_look(request) {
                Ok(result) => *slot = result,
                Err(err) => return err.errno().raw(),
            }
        }
        results.set(seen);
        0
    });
    assert_eq!(status, ExitStatus::Exited(0));
    let [mapped, unmapped] = results.get();
    for look in [mapped, unmapped] {
        eprintln!(
            "uid 65534 with NEWUSER: monotonic {} ns, boottime {} ns ahead",
            look.monotonic.ahead(),
            look.boottime.ahead()
        );
        assert!(
            look.monotonic.shifted_by(1000 * NSEC_PER_SEC),
            "{:?}",
            look.monotonic
        );
        assert!(
            look.boottime.shifted_by(3000 * NSEC_PER_SEC),
            "{:?}",
            look.boottime
        );
        assert_ne!(look.seen.user_ns, 0);
        assert_eq!(
            look.seen.time_owner, look.seen.user_ns,
            "the new user namespace owns it"
        );
    }
    assert_eq!(
        mapped.seen.euid, 0,
        "map_root_user was written before the child ran"
    );
    assert_eq!(
        unmapped.seen.euid,
        common::NOBODY,
        "no map: the overflow uid"
    );
    assert_eq!(unmapped.seen.pid, 1, "NEWPID still applies");
}

#[test]
fn an_unprivileged_request_without_newuser_is_eperm_and_leaves_no_child() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(1), secs(1));
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure only returns a constant.
        let result = unsafe { request.spawn(stack.as_mut_slice(), || 0) };
        if failed_step(result) != Some((Step::TimeNamespace, Errno::EPERM)) {
            return 1;
        }
        (!no_child_left()) as c_int * 2
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn a_map_the_kernel_refuses_is_returned_and_leaves_no_child() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root to drop to uid 65534");
    let ran = SharedPage::new(0u32);
    let status = in_child_as_nobody(|| {
        // An unprivileged caller may map only its own uid, not uid 0 outside.
        let foreign = [IdMap {
            inside: 0,
            outside: 0,
            count: 1,
        }];
        let request = Spawn::new(CloneFlags::NEWUSER)
            .id_maps(&foreign, &[], SetGroups::Unchanged)
            .time_offsets(secs(1), secs(1));
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure only writes to a shared page (were it to run).
        let result = unsafe {
            request.spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        if failed_step(result) != Some((Step::UidMap, Errno::EPERM)) {
            return 1;
        }
        (!no_child_left()) as c_int * 2
    });
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(ran.get(), 0, "the closure ran without its maps");
}

#[test]
fn a_caller_whose_pid_for_children_moved_gets_a_pid_1_child_with_offsets() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_ADMIN for unshare(CLONE_NEWPID)");
    let status = in_child(|| {
        if unshare(CloneFlags::NEWPID).is_err() {
            return 90;
        }
        let start = monotonic_ns();
        let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(300), secs(1));
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure makes raw syscalls only.
        let child = unsafe {
            request.spawn(stack.as_mut_slice(), move || {
                let shifted = shifted_by(start, monotonic_ns(), 300 * NSEC_PER_SEC);
                (getpid() != 1 || !shifted) as c_int
            })
        };
        match child.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => 0,
            Ok(_) => 1,
            Err(err) => 100 + err.errno().raw(),
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn a_child_sharing_cwd_sysvsem_and_io_with_the_caller_gets_its_offsets() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let flags = CloneFlags::FS | CloneFlags::SYSVSEM | CloneFlags::IO;
    let look = spawn_and_look(Spawn::new(flags).time_offsets(secs(700), secs(0))).unwrap();
    assert!(
        look.monotonic.shifted_by(700 * NSEC_PER_SEC),
        "{:?}",
        look.monotonic
    );
}

/// Bytes aligned to 4096, for a closure as aligned as a page.
#[derive(Copy, Clone)]
#[repr(C, align(4096))]
struct PageAligned([u8; 100]);

/// Spawns a closure capturing `value` with ID maps and time offsets on the
/// smallest stack it fits (and refused as too small on one byte less), right
/// above MmapStack's guard: the child faults if the steps it runs before
/// the closure need more than spawn keeps for its own frames.
fn on_the_smallest_stack_with_steps<T: Copy>(value: T) -> Result<ExitStatus, Error> {
    let start = monotonic_ns();
    let child = move || {
        core::hint::black_box(&value);
        let shifted = shifted_by(start, monotonic_ns(), 100 * NSEC_PER_SEC);
        (!shifted || geteuid() != 0) as c_int
    };
    let (size, align) = (size_of_val(&child), align_of_val(&child));
    let needed = Spawn::stack_needed_below(size, align).unwrap();
    // The stack starts on a page, so the closure's slot is aligned when
    // what lies under it is.
    let len = size + needed.next_multiple_of(align);
    let mut stack = MmapStack::new(len).unwrap();
    let request = Spawn::new(CloneFlags::NEWUSER)
        .map_root_user()
        .time_offsets(secs(100), TimeOffset::ZERO);
    // SAFETY: the closure makes raw syscalls only and reads its copy of
    // `value` (and is refused here).
    let too_small = unsafe { request.spawn(&mut stack.as_mut_slice()[..len - 1], child) };
    assert_eq!(
        too_small.err(),
        Some(Error::Refused(Refusal::StackTooSmall)),
        "{size} bytes, {align}"
    );
    // SAFETY: as above; should the steps before it need more room than
    // spawn keeps, the child dies at the MmapStack's guard, which this test
    // reports.
    let mut fits = unsafe { request.spawn(&mut stack.as_mut_slice()[..len], child) }?;
    Ok(fits.wait()?)
}

#[test]
fn the_smallest_stack_a_closure_fits_also_holds_the_map_and_time_steps() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let exited = Ok(ExitStatus::Exited(0));
    assert_eq!(on_the_smallest_stack_with_steps(()), exited, "empty");
    assert_eq!(
        on_the_smallest_stack_with_steps([7u64; 256]),
        exited,
        "2 KiB"
    );
    assert_eq!(
        on_the_smallest_stack_with_steps([1u8; 65536]),
        exited,
        "64 KiB"
    );
    let page = PageAligned([3; 100]);
    assert_eq!(
        on_the_smallest_stack_with_steps(page),
        exited,
        "page-aligned"
    );
}

#[test]
fn the_child_has_a_pidfd_if_asked_and_the_requested_exit_signal() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // The child exits with its own exit signal, as proc(5) shows it (field 38).
    let exit_signal = || own_stat_field(38).unwrap_or(-1) as c_int;
    for (signal, pidfd) in [(Some(Signal::CHLD), true), (None, false)] {
        let request = Spawn::new(CloneFlags::empty())
            .time_offsets(secs(10), secs(10))
            .exit_signal(signal)
            .pidfd(pidfd);
        // SAFETY: the closure reads /proc/self/stat with raw syscalls.
        let mut child = unsafe { request.spawn(stack.as_mut_slice(), exit_signal) }.unwrap();
        assert_eq!(child.pidfd().is_some(), pidfd);
        let number = signal.map_or(0, Signal::raw);
        assert_eq!(child.wait(), Ok(ExitStatus::Exited(number)));
    }
}

#[test]
fn the_childs_children_are_born_in_its_time_namespace_with_its_offsets() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let ours = own_time_namespaces();
    let start = monotonic_ns();
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(400), TimeOffset::ZERO);
    let child_body = move || {
        // The child entered the namespace through its time_for_children:
        // both are the new one.
        let (time, for_children) = own_time_namespaces();
        if time == ours.0 || for_children != time {
            return 1;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the grandchild makes raw syscalls only.
        let grandchild = unsafe {
            spawn(CloneFlags::empty(), stack.as_mut_slice(), move || {
                let same = ns_inode(c"/proc/self/ns/time") == time;
                let shifted = shifted_by(start, monotonic_ns(), 400 * NSEC_PER_SEC);
                (!same || !shifted) as c_int
            })
        };
        match grandchild.map(|mut grandchild| grandchild.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => 0,
            _ => 2,
        }
    };
    // SAFETY: the child makes raw syscalls only, its mmap and spawn included.
    let child = unsafe { request.spawn(stack.as_mut_slice(), child_body) };
    assert_eq!(child.unwrap().wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn a_newpid_child_with_offsets_is_pid_1_and_the_callers_child() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_ADMIN and CAP_SYS_TIME");
    let request =
        Spawn::new(CloneFlags::NEWPID | CloneFlags::NEWUTS).time_offsets(secs(500), secs(0));
    let look = spawn_and_look(request).unwrap();
    assert_eq!(look.seen.pid, 1);
    assert!(
        look.monotonic.shifted_by(500 * NSEC_PER_SEC),
        "{:?}",
        look.monotonic
    );
}

#[test]
fn a_pid_namespace_init_spawns_children_with_offsets() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_ADMIN for NEWPID");
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    let init_body = || {
        if getpid() != 1 {
            return 1;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let before = own_time_namespaces();
        let start = monotonic_ns();
        let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(1000), TimeOffset::ZERO);
        // SAFETY: the child makes raw syscalls only.
        let child = unsafe {
            request.spawn(stack.as_mut_slice(), move || {
                let ppid = getppid();
                let shifted = shifted_by(start, monotonic_ns(), 1000 * NSEC_PER_SEC);
                (ppid != 1 || !shifted) as c_int
            })
        };
        match child.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => {}
            Ok(Ok(_)) => return 2,
            Ok(Err(_)) => return 3,
            Err(err) => return 100 + err.errno().raw(),
        }
        (own_time_namespaces() != before) as c_int * 4
    };
    // SAFETY: the init makes raw syscalls only, its mmap and spawn included.
    let init = unsafe { spawn(CloneFlags::NEWPID, stack.as_mut_slice(), init_body) };
    assert_eq!(init.unwrap().wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn a_vfork_child_with_offsets_holds_the_caller_until_it_exits() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let done = SharedPage::new(0u32);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::VFORK).time_offsets(secs(5), secs(5));
    // SAFETY: the closure makes raw syscalls only and writes to a shared page.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), || {
            let until = monotonic_ns() + 50_000_000;
            while monotonic_ns() < until {
                sched_yield();
            }
            done.set(1);
            7
        })
    }
    .unwrap();
    assert_eq!(done.get(), 1, "spawn returned before the child was done");
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(7)));
}

#[test]
fn threads_spawn_children_with_their_own_offsets_at_once() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    std::thread::scope(|scope| {
        for thread in 0..4i64 {
            scope.spawn(move || {
                let mut stack = MmapStack::new(64 * 1024).unwrap();
                for i in 0..25 {
                    let offset = 100 * thread + i + 1;
                    // Behind by no more than the time since boot: the kernel
                    // refuses (ERANGE) to take a clock below zero, and a test
                    // machine may have booted moments ago.
                    let back = offset.min(boottime_ns() / NSEC_PER_SEC - 1).max(0);
                    let request = Spawn::new(CloneFlags::empty())
                        .time_offsets(secs(offset), secs(-back))
                        .pidfd(i % 2 == 0);
                    let before = (monotonic_ns(), boottime_ns());
                    // SAFETY: the closure only reads the clocks with raw
                    // syscalls, which is fit for a child of a threaded caller.
                    let mut child = unsafe {
                        request.spawn(stack.as_mut_slice(), move || {
                            let ahead = shifted_by(before.0, monotonic_ns(), offset * NSEC_PER_SEC);
                            let behind = shifted_by(before.1, boottime_ns(), -back * NSEC_PER_SEC);
                            (!ahead || !behind) as c_int
                        })
                    }
                    .unwrap();
                    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "offset {offset}");
                }
            });
        }
    });
}

#[test]
fn two_hundred_spawns_with_offsets_leak_no_fd_and_leave_no_zombie() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    // In a child: no other thread opens fds meanwhile, so fd numbers are exact.
    let status = in_child(|| {
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let request = Spawn::new(CloneFlags::empty())
            .time_offsets(secs(1), secs(1))
            .pidfd(true);
        // SAFETY: here and below, each closure only returns a number it
        // captured or a constant.
        let mut first = unsafe { request.spawn(stack.as_mut_slice(), || 0) }.unwrap();
        let first_fd = first.pidfd().map(|fd| fd.as_raw_fd());
        let _ = first.wait();
        // Waiting no longer consumes the Child: dropping it closes the pidfd.
        drop(first);
        for i in 0..200 {
            // SAFETY: as above.
            let child = unsafe { request.spawn(stack.as_mut_slice(), move || i % 50) };
            match child.map(|mut c| c.wait()) {
                Ok(Ok(ExitStatus::Exited(code))) if code == i % 50 => {}
                _ => return 1,
            }
        }
        // SAFETY: as above.
        let mut last = unsafe { request.spawn(stack.as_mut_slice(), || 0) }.unwrap();
        if last.pidfd().map(|fd| fd.as_raw_fd()) != first_fd {
            return 2;
        }
        let _ = last.wait();
        (!no_child_left()) as c_int * 3
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn the_closure_inherits_no_descriptor_from_the_steps_before_it() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    // In a child: no other thread opens fds meanwhile, so fd numbers are exact.
    let status = in_child(|| {
        let open_fds = || {
            std::fs::read_dir("/proc/self/fd")
                .map(|dir| dir.count())
                .unwrap_or(0)
        };
        let ours = open_fds();
        // Two pipes are open while the child starts: the maps' go-ahead and
        // the time namespace report. The child closes its copies of both.
        let request = Spawn::new(CloneFlags::NEWUSER)
            .map_root_user()
            .time_offsets(secs(1), secs(1));
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the helper child that spawns is single-threaded, so the
        // allocation of read_dir finds no lock held by another thread.
        let child =
            unsafe { request.spawn(stack.as_mut_slice(), move || (open_fds() != ours) as c_int) };
        match child.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => 0,
            Ok(Ok(_)) => 1,
            _ => 2,
        }
    });
    assert_eq!(
        status,
        ExitStatus::Exited(0),
        "the closure found a descriptor open"
    );
}

#[test]
fn offsets_refuse_clone_vm_and_a_second_of_nanoseconds_only() {
    let offsets = |flags| Spawn::new(flags).time_offsets(secs(1), TimeOffset::ZERO);
    let checked = |request: Spawn<'_>| request.check();
    // The closure path refuses CLONE_VM first; exec, which adds it, names
    // the offsets' refusal.
    assert_eq!(
        checked(offsets(CloneFlags::VM | CloneFlags::VFORK)),
        Err(Error::Refused(Refusal::SpawnSharesMemory))
    );
    assert_eq!(
        offsets(CloneFlags::empty()).check_exec(),
        Err(Error::Refused(Refusal::TimeOffsetsWithVm))
    );
    // The child makes its own time namespace: sharing anything but memory,
    // or being the caller's sibling, does not stand in the way.
    for flags in [
        CloneFlags::SYSVSEM,
        CloneFlags::IO,
        CloneFlags::FS,
        CloneFlags::VFORK,
    ] {
        assert_eq!(checked(offsets(flags)), Ok(()), "{flags}");
    }
    assert_eq!(
        checked(offsets(CloneFlags::PARENT).exit_signal(None)),
        Ok(())
    );
    // Without CLONE_NEWTIME in the clone itself, legacy clone serves.
    assert_eq!(offsets(CloneFlags::NEWTIME).syscall(), Syscall::Clone);
    assert_eq!(Spawn::new(CloneFlags::NEWTIME).syscall(), Syscall::Clone3);
    let too_many = TimeOffset {
        seconds: 0,
        nanoseconds: 1_000_000_000,
    };
    let request = Spawn::new(CloneFlags::empty()).time_offsets(TimeOffset::ZERO, too_many);
    assert_eq!(
        checked(request),
        Err(Error::Refused(Refusal::TimeOffsetNanosecondsTooLarge))
    );
    assert_eq!(
        checked(offsets(CloneFlags::NEWUSER | CloneFlags::NEWPID)),
        Ok(())
    );
    assert!(offsets(CloneFlags::empty()).check().is_ok());

    // exec adds CLONE_VM | CLONE_VFORK, so it is refused before any process.
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv: [*const c_char; 2] = [core::ptr::null(); 2];
    let argv = CStrArray::new(&[c"/bin/true"], &mut argv).unwrap();
    let exec = offsets(CloneFlags::empty()).exec(
        stack.as_mut_slice(),
        c"/bin/true",
        argv,
        CStrArray::empty(),
    );
    assert_eq!(exec.err(), Some(Error::Refused(Refusal::TimeOffsetsWithVm)));
}

/// The `SigBlk` mask in the `status` file at `path`, as its hex text.
fn blocked_signals(path: &CStr) -> [u8; 16] {
    let mut text = [0u8; 4096];
    let len = read_file(path, &mut text).unwrap_or(0);
    let mut mask = [0u8; 16];
    if let Some(at) = text[..len].windows(8).position(|w| w == b"SigBlk:\t") {
        if let Some(hex) = text.get(at + 8..at + 24) {
            mask.copy_from_slice(hex);
        }
    }
    mask
}

#[test]
fn the_child_runs_with_the_callers_signal_mask() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs CAP_SYS_TIME");
    let theirs = SharedPage::new([0u8; 16]);
    let ours = blocked_signals(c"/proc/thread-self/status");
    assert_ne!(ours, [0u8; 16], "SigBlk is readable");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::empty()).time_offsets(secs(1), secs(1));
    // SAFETY: the closure reads a /proc file with raw syscalls and writes
    // to a shared page.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), || {
            theirs.set(blocked_signals(c"/proc/self/status"));
            0
        })
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(theirs.get(), ours, "the child runs with the caller's mask");
}
