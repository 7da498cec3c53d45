//! The crate on either side of each kernel line it depends on: every line's
//! side as its probe finds it (`nsclone_testkit::kernel_lines`, a syscall's
//! answer, never the release number), then a case per behaviour that
//! names the line and the side, and checks what the crate documents there:
//! the feature, or the documented error or fallback.

use crate::cases::{expect_status, Outcome, Tally};
use crate::programs::{run_program, Program};
use crate::{ensure, fail, say, sys};
use core::ffi::c_int;
use nsclone::{
    ns_id, CloneFlags, Errno, Error, ExitStatus, MmapStack, Mount, Namespace, Setup, Spawn, Step,
    Syscall, TimeOffset,
};
use nsclone_testkit::kernel_lines::{
    Side, CLONE3, CLONE3_NEWTIME, CLOSE_RANGE, CLOSE_RANGE_CLOEXEC, LINES, MOUNT_SETATTR,
    PIDFD_THREAD, TIME_NAMESPACE_VM_CHILD,
};

pub fn run(tally: &mut Tally) {
    let release = nsclone::sys::uname();
    let release = core::str::from_utf8(release.release()).unwrap_or("?");
    for line in LINES {
        say!(
            "  kernel {release}: {} (line {}): {}",
            line.feature,
            line.since,
            line.side()
        );
    }
    let side = CLONE3.side();
    tally.run(
        format_args!("line 5.3 clone3, {side}: a pidfd request gets its pidfd, through clone3 while it answers"),
        || pidfd_request(side),
    );
    let side = CLONE3_NEWTIME.side();
    tally.run(
        format_args!("line 6.3 clone3 CLONE_NEWTIME, {side}: {}", match side {
            Side::Has => "Spawn::new(NEWTIME) starts the child in a new time namespace",
            Side::Lacks(_) => "Spawn::new(NEWTIME) answers EINVAL; time_offsets(0, 0) starts the child in a new one",
        }),
        || newtime(side),
    );
    let (side, outcome) = vm_child_into_another_time_namespace();
    tally.run(
        format_args!(
            "line 6.2 {}, {side}: {}",
            TIME_NAMESPACE_VM_CHILD.feature,
            match side {
                Side::Has => "exec runs the program in that time namespace",
                Side::Lacks(_) => "exec answers EINVAL",
            }
        ),
        || outcome,
    );
    let (range, cloexec) = (CLOSE_RANGE.side(), CLOSE_RANGE_CLOEXEC.side());
    tally.run(
        format_args!(
            "lines 5.9 close_range, {range}, and 5.11 CLOSE_RANGE_CLOEXEC, {cloexec}: close_other_fds leaves the program no other fd ({})",
            match (range, cloexec) {
                (Side::Has, Side::Has) => "marked close-on-exec",
                (Side::Has, Side::Lacks(_)) => "closed by close_range before exec",
                (Side::Lacks(_), _) => "closed from the list in /proc/self/fd",
            }
        ),
        close_other_fds,
    );
    let side = MOUNT_SETATTR.side();
    tally.run(
        format_args!("line 5.12 mount_setattr, {side}: {}", match side {
            Side::Has => "a recursive read-only bind is read-only below (idmapped binds: tests/setup.rs, by filesystem)",
            Side::Lacks(_) => "a recursive read-only bind and an idmapped bind fail their mount step with ENOSYS",
        }),
        || mount_setattr(side),
    );
    let side = PIDFD_THREAD.side();
    tally.run(
        format_args!(
            "line 6.9 {}, {side}: CloneFlags::check accepts it (it follows 6.9){}",
            PIDFD_THREAD.feature,
            match side {
                Side::Has => "",
                Side::Lacks(_) => "; the kernel's EINVAL here is a documented difference",
            }
        ),
        || {
            let flags =
                CloneFlags::PIDFD | CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM;
            ensure!(flags.check(Syscall::Clone3) == Ok(()), "check refuses it");
            Ok(())
        },
    );
}

/// A child with a pidfd: clone3 makes it where it answers; elsewhere
/// legacy clone does, and later requests go there directly.
fn pidfd_request(side: Side) -> Outcome {
    let request = Spawn::new(CloneFlags::empty()).pidfd(true);
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    // SAFETY: the closure only returns a constant.
    let mut child = match unsafe { request.spawn(stack.as_mut_slice(), || 7) } {
        Ok(child) => child,
        Err(err) => fail!("spawn: {err}"),
    };
    ensure!(child.pidfd().is_some(), "no pidfd");
    expect_status(child.wait(), ExitStatus::Exited(7))?;
    let expected = match side {
        Side::Has => Syscall::Clone3,
        Side::Lacks(_) => Syscall::Clone,
    };
    ensure!(
        request.syscall() == expected,
        "later requests use {:?}",
        request.syscall()
    );
    Ok(())
}

/// Spawns `request` with a child that exits 0 when its time namespace is
/// not the runner's.
fn in_new_time_namespace(request: Spawn<'_>) -> nsclone::Result<ExitStatus, Error> {
    let outside = ns_id(0, Namespace::Time).unwrap_or(0);
    let mut stack = MmapStack::new(64 * 1024)?;
    // SAFETY: the closure reads a /proc link with raw syscalls.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), move || {
            c_int::from(ns_id(0, Namespace::Time).is_ok_and(|id| id == outside))
        })
    }?;
    Ok(child.wait()?)
}

fn newtime(side: Side) -> Outcome {
    let plain = in_new_time_namespace(Spawn::new(CloneFlags::NEWTIME));
    match (side, plain) {
        (Side::Has, Ok(ExitStatus::Exited(0))) => Ok(()),
        (Side::Lacks(_), Err(Error::Kernel(Errno::EINVAL))) => {
            let zero = TimeOffset::ZERO;
            let offsets = Spawn::new(CloneFlags::empty()).time_offsets(zero, zero);
            match in_new_time_namespace(offsets) {
                Ok(ExitStatus::Exited(0)) => Ok(()),
                other => fail!("with time_offsets: {other:?}"),
            }
        }
        (_, other) => fail!("Spawn::new(NEWTIME): {other:?}"),
    }
}

/// In a child that unshared `CLONE_NEWTIME`: the probe's side, and what
/// `Spawn::exec` (`CLONE_VM`) did there: the program in the new time
/// namespace (exit 0), or `EINVAL` (exit 1).
fn vm_child_into_another_time_namespace() -> (Side, Outcome) {
    let Ok(side_page) = sys::shared_page() else {
        return (
            Side::Has,
            Err(crate::out::Line::new(format_args!("mmap a shared page"))),
        );
    };
    let side_page = side_page.cast::<i32>();
    let body = move || {
        if nsclone::unshare(CloneFlags::NEWTIME).is_err() {
            return 3;
        }
        let side = TIME_NAMESPACE_VM_CHILD.side();
        let raw = match side {
            Side::Has => 0,
            Side::Lacks(errno) => errno.raw(),
        };
        // SAFETY: a MAP_SHARED page of the runner's, alive until it reads it.
        unsafe { side_page.write_volatile(raw) };
        let script = c"[ \"$(readlink /proc/self/ns/time)\" = \"$(readlink /proc/$PPID/ns/time_for_children)\" ]";
        let argv = [c"/bin/sh", c"-c", script];
        match (side, run_program(&Program::new(&argv))) {
            (Side::Has, Ok(ExitStatus::Exited(0))) => 0,
            (Side::Lacks(_), Err(Errno::EINVAL)) => 1,
            _ => 2,
        }
    };
    let outcome = match MmapStack::new(256 * 1024) {
        // SAFETY: the body makes raw syscalls only and starts the program
        // through the crate.
        Ok(mut stack) => {
            match unsafe { nsclone::spawn(CloneFlags::empty(), stack.as_mut_slice(), body) } {
                Ok(mut child) => child.wait(),
                Err(err) => Err(err.errno()),
            }
        }
        Err(err) => Err(err),
    };
    // SAFETY: the child that wrote it has been reaped.
    let raw = unsafe { side_page.read_volatile() };
    let side = if raw == 0 {
        Side::Has
    } else {
        Side::Lacks(Errno::from_raw(raw))
    };
    let want = match side {
        Side::Has => 0,
        Side::Lacks(_) => 1,
    };
    (side, expect_status(outcome, ExitStatus::Exited(want)))
}

/// The descriptor the runner leaves open, not close-on-exec, for the
/// program to inherit.
const LEFT_OPEN: c_int = 50;

fn close_other_fds() -> Outcome {
    let Ok(file) = nsclone::sys::open(c"/proc/self/status", 0) else {
        fail!("open a file")
    };
    // SAFETY: nothing of the runner's owns descriptor 50.
    if let Err(err) = unsafe { nsclone::sys::dup3(&file, LEFT_OPEN) } {
        fail!("dup3: {err}");
    }
    let inherits = Program::new(&[c"/bin/sh", c"-c", c"[ -e /proc/self/fd/50 ]"]);
    let keep = [0, 1, 2];
    let setup = Setup::new().close_other_fds(&keep);
    let closed = Program::new(&[c"/bin/sh", c"-c", c"[ ! -e /proc/self/fd/50 ]"]);
    let result = expect_status(run_program(&inherits), ExitStatus::Exited(0)).and_then(|()| {
        let child = closed.start_with(Spawn::new(CloneFlags::empty()).setup(&setup));
        expect_status(child.and_then(|mut c| c.wait()), ExitStatus::Exited(0))
    });
    // SAFETY: descriptor 50 is the runner's own copy, used by nothing else.
    let _ =
        unsafe { nsclone::sys::syscall(linux_raw_sys::general::__NR_close, [LEFT_OPEN as usize]) };
    result
}

fn mount_setattr(side: Side) -> Outcome {
    let read_only = [
        Mount::private(c"/"),
        Mount::bind_read_only_recursive(c"/sys", c"/mnt"),
    ];
    let setup = Setup::new().mounts(&read_only);
    let request = Spawn::new(CloneFlags::NEWNS).setup(&setup);
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    // SAFETY: the closure makes one raw syscall. The cgroup2 mount under
    // /sys is read-only through the bind only if the bind was recursive.
    let made = unsafe {
        request.spawn(stack.as_mut_slice(), || {
            c_int::from(sys::mkdir(c"/mnt/fs/cgroup/read-only") != Err(Errno::EROFS))
        })
    };
    match (side, made) {
        (Side::Has, Ok(mut child)) => expect_status(child.wait(), ExitStatus::Exited(0)),
        (Side::Lacks(_), Err(err)) => {
            expect_mount_enosys(err, "recursive read-only bind")?;
            let idmapped = [Mount::bind_idmapped(c"/tmp", c"/mnt")];
            let setup = Setup::new().mounts(&idmapped);
            let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNS)
                .map_root_user()
                .setup(&setup);
            // SAFETY: the closure only returns a constant.
            match unsafe { request.spawn(stack.as_mut_slice(), || 0) } {
                Ok(child) => fail!("the idmapped bind was made (child {})", child.pid()),
                Err(err) => expect_mount_enosys(err, "idmapped bind"),
            }
        }
        (_, Ok(child)) => fail!("the bind was made (child {})", child.pid()),
        (_, Err(err)) => fail!("spawn: {err}"),
    }
}

fn expect_mount_enosys(err: Error, what: &str) -> Outcome {
    match err {
        Error::Step(step) if step.step() == Step::Mount && step.errno() == Errno::ENOSYS => Ok(()),
        other => fail!("{what}: {other}, expected the mount step's ENOSYS"),
    }
}
