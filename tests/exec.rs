//! vfork-style exec: programs started in new namespaces, errors reported back.

mod common;

use common::{in_child, is_root};
use core::ffi::{c_char, CStr};
use nsclone::{CStrArray, CloneFlags, Errno, Error, ExitStatus, MmapStack, Spawn, Step};

/// Runs `sh -c script` through `Spawn::exec` with `flags`, with an empty environment.
fn sh(flags: CloneFlags, script: &CStr) -> Result<ExitStatus, Error> {
    let mut child = common::exec(Spawn::new(flags), c"/bin/sh", &[c"sh", c"-c", script], &[])?;
    Ok(child.wait()?)
}

#[test]
fn exec_runs_the_program_as_pid_1_of_a_new_pid_namespace() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let status = sh(
        CloneFlags::NEWPID | CloneFlags::NEWUTS,
        c"test $$ = 1 && exit 42",
    );
    assert_eq!(status, Ok(ExitStatus::Exited(42)));
}

#[test]
fn exec_failures_come_back_as_the_exec_step_naming_the_program_with_its_errno_and_the_child_reaped()
{
    skip_if!(
        common::under_qemu_user(),
        "qemu-user runs vfork children in their own memory, so the error cannot come back"
    );
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"x"], &mut argv_buf).unwrap();
    let request = Spawn::new(CloneFlags::empty());
    let missing = request.exec(
        stack.as_mut_slice(),
        c"/nonexistent/program",
        argv,
        CStrArray::empty(),
    );
    let missing = missing.unwrap_err();
    assert_eq!(missing.step(), Some(Step::Exec));
    assert_eq!(missing.errno(), Errno::ENOENT);
    assert_eq!(
        missing.to_string(),
        "execve(\"/nonexistent/program\"): ENOENT: no such file or directory",
        "names the program"
    );
    let not_executable = request.exec(
        stack.as_mut_slice(),
        c"/proc/self/status",
        argv,
        CStrArray::empty(),
    );
    let not_executable = not_executable.unwrap_err();
    assert_eq!(not_executable.step(), Some(Step::Exec));
    assert_eq!(not_executable.errno(), Errno::EACCES);
}

#[test]
fn the_program_starts_with_an_empty_signal_mask_not_the_blocked_one() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user keeps its own signal mask"
    );
    let status = in_child(|| {
        // Blocked here, and all blocked across the clone: the program,
        // as under std's Command, starts with none blocked.
        nsclone::sys::set_mask(1 << (linux_raw_sys::general::SIGUSR1 - 1));
        match sh(
            CloneFlags::empty(),
            c"grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status",
        ) {
            Ok(ExitStatus::Exited(code)) => code,
            _ => 100,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn argv_arrays_are_null_terminated_and_sized_by_the_caller() {
    let mut buf = [core::ptr::null::<c_char>(); 2];
    assert_eq!(
        CStrArray::new(&[c"a", c"b"], &mut buf).unwrap_err(),
        Errno::E2BIG
    );
    let ptrs = [c"a".as_ptr()];
    // SAFETY: the pointer is a valid C string; the missing null is the point.
    assert_eq!(
        unsafe { CStrArray::from_ptrs(&ptrs) }.unwrap_err(),
        Errno::EINVAL
    );
}

#[test]
fn execs_deepest_path_uses_less_than_half_of_exec_stack() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user runs vfork children in their own memory"
    );
    use linux_raw_sys::general as k;
    use nsclone::{Fd, Setup, EXEC_STACK};
    // A script without `#!`, found through PATH: the search, then the
    // ENOEXEC retry through /bin/sh; descriptors closed from the list in
    // /proc/self/fd (close_range made missing): the deepest frames.
    let dir = std::env::temp_dir().join(format!("nsclone-exec-depth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("no-shebang");
    std::fs::write(&script, "exit 0\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = std::ffi::CString::new(format!("PATH=/nonexistent:{}", dir.display())).unwrap();
    let status = in_child(|| {
        if common::seccomp::make_enosys(k::__NR_close_range).is_err() {
            return 100;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        stack.as_mut_slice().fill(0xa5);
        let fds = [
            Fd::open(c"/proc/version", k::O_RDONLY, 0, 0),
            Fd::copy(2, 1),
        ];
        let setup = Setup::new()
            .fds(&fds)
            .close_other_fds(&[2])
            .current_dir(c"/");
        let mut argv_buf = [core::ptr::null::<c_char>(); 3];
        let argv = CStrArray::new(&[c"no-shebang", c"arg"], &mut argv_buf).unwrap();
        let mut env_buf = [core::ptr::null::<c_char>(); 2];
        let envp = CStrArray::new(&[&path], &mut env_buf).unwrap();
        let child = Spawn::new(CloneFlags::empty()).setup(&setup).exec(
            stack.as_mut_slice(),
            c"no-shebang",
            argv,
            envp,
        );
        let Ok(Ok(ExitStatus::Exited(0))) = child.map(|mut child| child.wait()) else {
            return 101;
        };
        let stack = stack.as_mut_slice();
        let untouched = stack.iter().take_while(|&&b| b == 0xa5).count();
        let used = stack.len() - untouched;
        // Reported through the exit status, in KiB.
        (used / 1024) as i32
    });
    std::fs::remove_dir_all(&dir).unwrap();
    let ExitStatus::Exited(kib) = status else {
        panic!("{status:?}");
    };
    assert!(kib < 100, "the helper failed: {kib}");
    eprintln!("exec's child used {kib} KiB of its stack");
    assert!(
        (kib as usize) * 1024 < EXEC_STACK / 2,
        "{kib} KiB used, EXEC_STACK is {EXEC_STACK}"
    );
}
