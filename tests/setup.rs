//! The child's setup (`Setup`): each step checked from inside the program
//! it runs (`/proc/self/status`, `/proc/self/limits`, the fd table, the
//! session, the UTS names), and each failing step named with its errno.

mod common;

use common::kernel_lines::{Side, MOUNT_SETATTR};
use common::seccomp::make_enosys;
use common::{
    in_child, in_child_as_nobody, is_root, kernel_line, leaked_c_str as c, proc::no_child_left,
    SharedPage,
};
use core::ffi::{c_char, c_int, CStr};
use linux_raw_sys::general as k;
// Without `std`, nsclone's descriptors are the polyfill's, with its own trait.
#[cfg(not(feature = "std"))]
use nsclone::AsRawFd as _;
use nsclone::{
    CStrArray, CloneFlags, Errno, Error, ExitStatus, Fd, Limit, MmapStack, Mount, Resource, Setup,
    Signal, Spawn, Step,
};
use std::ffi::CString;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};

/// Runs the program `argv[0]` with `argv` through `Spawn::exec` with
/// `spawn` and `setup`, its descriptors `fds` after stdout onto a pipe;
/// returns how it ended and what it wrote.
fn program_output(
    spawn: Spawn<'_>,
    setup: Setup<'_>,
    fds: &[Fd<'_>],
    argv: &[&CStr],
) -> Result<(ExitStatus, String), Error> {
    let (mut read, write) = std::io::pipe().unwrap();
    let mut all = vec![Fd::copy(write.as_raw_fd(), 1)];
    all.extend_from_slice(fds);
    let setup = setup.fds(&all);
    let started = common::exec(spawn.setup(&setup), argv[0], argv, &[]);
    drop(write);
    let mut child = started?;
    let mut said = String::new();
    read.read_to_string(&mut said).unwrap();
    Ok((child.wait()?, said))
}

/// [`program_output`] of `sh -c script`.
fn output(
    spawn: Spawn<'_>,
    setup: Setup<'_>,
    fds: &[Fd<'_>],
    script: &CStr,
) -> Result<(ExitStatus, String), Error> {
    program_output(spawn, setup, fds, &[c"/bin/sh", c"-c", script])
}

/// [`output`] with no namespace, for a step that needs none; panics on an error.
fn said(setup: Setup<'_>, script: &CStr) -> String {
    let (status, said) = output(Spawn::new(CloneFlags::empty()), setup, &[], script).unwrap();
    assert_eq!(status, ExitStatus::Exited(0), "{said}");
    said
}

/// The value of `field` in `/proc/self/status` as a program (`grep`, run
/// directly: a shell resets its signal mask) saw it.
fn status_field(setup: Setup<'_>, field: &str) -> String {
    let pattern = CString::new(format!("^{field}:")).unwrap();
    let argv = [c"/bin/grep", &pattern, c"/proc/self/status"];
    let (status, said) =
        program_output(Spawn::new(CloneFlags::empty()), setup, &[], &argv).unwrap();
    assert_eq!(status, ExitStatus::Exited(0), "{said}");
    said.trim_start_matches(&format!("{field}:"))
        .trim()
        .to_string()
}

/// A pipe whose ends are not close-on-exec (a leaked descriptor, as a C
/// library or an old crate leaves them).
fn inheritable_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0 as c_int; 2];
    // SAFETY: the kernel writes two descriptors, which we own from here on.
    unsafe {
        nsclone::sys::syscall(k::__NR_pipe2, [fds.as_mut_ptr() as usize, 0]).unwrap();
        use std::os::fd::FromRawFd;
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    }
}

#[test]
fn descriptors_given_as_a_cycle_are_swapped() {
    let (mut read_a, write_a) = std::io::pipe().unwrap();
    let (mut read_b, write_b) = std::io::pipe().unwrap();
    let (a, b) = (write_a.as_raw_fd(), write_b.as_raw_fd());
    let swap = [Fd::copy(a, b), Fd::copy(b, a)];
    let script = CString::new(format!(
        "echo to-{a} >/proc/self/fd/{a}; echo to-{b} >/proc/self/fd/{b}"
    ))
    .unwrap();
    let (status, _) = output(
        Spawn::new(CloneFlags::empty()),
        Setup::new(),
        &swap,
        &script,
    )
    .unwrap();
    drop((write_a, write_b));
    assert_eq!(status, ExitStatus::Exited(0));
    let (mut in_a, mut in_b) = (String::new(), String::new());
    read_a.read_to_string(&mut in_a).unwrap();
    read_b.read_to_string(&mut in_b).unwrap();
    assert_eq!(
        (in_a.trim(), in_b.trim()),
        (&*format!("to-{b}"), &*format!("to-{a}"))
    );
}

#[test]
fn a_file_opened_onto_stdin_is_what_the_program_reads() {
    let stdin = [Fd::open(c"/proc/version", k::O_RDONLY, 0, 0)];
    let (status, said) = output(
        Spawn::new(CloneFlags::empty()),
        Setup::new(),
        &stdin,
        c"cat",
    )
    .unwrap();
    assert_eq!(status, ExitStatus::Exited(0));
    assert_eq!(said, std::fs::read_to_string("/proc/version").unwrap());
}

/// The descriptors the program (a shell) has open when run with `setup`,
/// as another process lists them (`; :` keeps the shell from exec'ing `ls`).
fn open_fds(setup: Setup<'_>) -> Vec<c_int> {
    let listed = said(setup, c"ls /proc/$$/fd; :");
    let mut fds: Vec<c_int> = listed
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    fds.sort();
    fds
}

#[test]
fn close_other_fds_leaves_the_given_and_kept_descriptors_only() {
    let (leaked_read, leaked_write) = inheritable_pipe();
    let leaked = [leaked_read.as_raw_fd(), leaked_write.as_raw_fd()];
    let inherited = open_fds(Setup::new());
    assert!(
        leaked.iter().all(|fd| inherited.contains(fd)),
        "{inherited:?}"
    );
    let closed = open_fds(Setup::new().close_other_fds(&[2]));
    assert_eq!(closed, [1, 2]);
    let kept = open_fds(Setup::new().close_other_fds(&[0, leaked[1]]));
    assert_eq!(kept, [0, 1, leaked[1]]);
}

#[test]
fn close_other_fds_reads_proc_self_fd_where_close_range_is_missing() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user does not run seccomp filters"
    );
    let status = in_child(|| {
        let (_leaked_read, _leaked_write) = inheritable_pipe();
        if make_enosys(k::__NR_close_range).is_err() {
            return 100;
        }
        // SAFETY: close_range with an empty range reads no memory.
        let missing = unsafe { nsclone::sys::syscall(k::__NR_close_range, [5, 4, 0]) };
        if missing != Err(Errno::ENOSYS) {
            return 101;
        }
        match open_fds(Setup::new().close_other_fds(&[0])).as_slice() {
            [0, 1] => 0,
            _ => 102,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn signals_are_reset_to_their_defaults_unless_kept() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user keeps its own signal mask"
    );
    let status = in_child(|| {
        let usr1: u64 = 1 << (k::SIGUSR1 - 1);
        let pipe: u64 = 1 << (k::SIGPIPE - 1);
        nsclone::sys::set_mask(usr1);
        // SAFETY: ignoring SIGPIPE, as std does at start-up, in this child.
        let ignore = [1usize, 0, 0, 0];
        unsafe {
            nsclone::sys::syscall(
                k::__NR_rt_sigaction,
                [k::SIGPIPE as usize, ignore.as_ptr() as usize, 0, 8],
            )
        }
        .unwrap();
        let hex = |field| u64::from_str_radix(&status_field(Setup::new(), field), 16).unwrap();
        let kept = |field| {
            u64::from_str_radix(&status_field(Setup::new().keep_signals(), field), 16).unwrap()
        };
        let seen = (hex("SigIgn"), hex("SigBlk"), kept("SigIgn"), kept("SigBlk"));
        match seen {
            (0, 0, ignored, blocked) if ignored & pipe != 0 && blocked == usr1 => 0,
            _ => 1,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// The session ID and process ID of the shell run with `setup`.
fn session_and_pid(setup: Setup<'_>) -> (i32, i32) {
    let stat = said(setup, c"read -r stat < /proc/$$/stat; echo \"$stat\"");
    let pid = stat.split_whitespace().next().unwrap().parse().unwrap();
    // After the command name in parentheses: state, ppid, pgrp, session.
    let after = stat.rsplit_once(')').unwrap().1;
    let session = after.split_whitespace().nth(3).unwrap().parse().unwrap();
    (session, pid)
}

#[test]
fn new_session_makes_the_program_its_sessions_leader() {
    let (session, pid) = session_and_pid(Setup::new().new_session());
    assert_eq!(session, pid);
    let (session, pid) = session_and_pid(Setup::new());
    assert_ne!(session, pid);
}

#[test]
fn hostname_and_domainname_are_set_in_a_new_uts_namespace() {
    skip_under_qemu_user!();
    let names = Setup::new().hostname(b"in-setup").domainname(b"setup.test");
    let script = c"cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname";
    let expected = "in-setup\nsetup.test\n";
    if is_root() {
        let uts = Spawn::new(CloneFlags::NEWUTS);
        assert_eq!(output(uts, names, &[], script).unwrap().1, expected);
    }
    // Unprivileged: the new user namespace owns the new UTS namespace.
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
        match output(request, names, &[], script) {
            Ok((ExitStatus::Exited(0), said)) if said == expected => 0,
            _ => 1,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn the_working_directory_and_umask_are_the_ones_given() {
    let said = said(
        Setup::new().current_dir(c"/proc").umask(0o027),
        c"pwd -P; grep '^Umask:' /proc/self/status",
    );
    assert_eq!(said, "/proc\nUmask:\t0027\n");
}

#[test]
fn limits_are_set_in_order() {
    let limits = [
        Limit {
            resource: Resource::OpenFiles,
            soft: 100,
            hard: 200,
        },
        Limit {
            resource: Resource::Core,
            soft: 0,
            hard: 0,
        },
    ];
    let said = said(
        Setup::new().limits(&limits),
        c"grep -E '^Max (open files|core file size)' /proc/self/limits",
    );
    let words: Vec<Vec<&str>> = said
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(words[0][4..6], ["0", "0"], "{said}");
    assert_eq!(words[1][3..5], ["100", "200"], "{said}");
}

#[test]
fn groups_gid_and_uid_are_set_and_no_new_privs_after_them() {
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let identity = Setup::new().groups(&[1, 2]).gid(3).uid(4).no_new_privs();
    assert_eq!(status_field(identity, "Uid"), "4\t4\t4\t4");
    assert_eq!(status_field(identity, "Gid"), "3\t3\t3\t3");
    assert_eq!(status_field(identity, "Groups"), "1 2");
    assert_eq!(status_field(identity, "NoNewPrivs"), "1");
    assert_eq!(status_field(Setup::new(), "NoNewPrivs"), "0");
}

#[test]
fn exec_writes_id_maps_while_its_child_waits() {
    skip_under_qemu_user!();
    // As root and as nobody, the program is uid 0 of its user namespace,
    // mapped to the caller.
    let root_inside = || {
        let euid = common::geteuid();
        let request = Spawn::new(CloneFlags::NEWUSER).map_root_user();
        let script = c"id -u; cat /proc/self/uid_map";
        match output(request, Setup::new(), &[], script) {
            Ok((ExitStatus::Exited(0), said)) => {
                let words: Vec<&str> = said.split_whitespace().collect();
                c_int::from(words != ["0", "0", &euid.to_string(), "1"])
            }
            _ => 2,
        }
    };
    assert_eq!(in_child(root_inside), ExitStatus::Exited(0));
    assert_eq!(in_child_as_nobody(root_inside), ExitStatus::Exited(0));
}

#[test]
fn the_parent_death_signal_comes_when_the_spawning_thread_ends() {
    skip_under_qemu_user!();
    let setup = Setup::new().parent_death_signal(Signal::KILL);
    let mut child = std::thread::spawn(move || {
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 3];
        let argv = CStrArray::new(&[c"sleep", c"60"], &mut argv_buf).unwrap();
        Spawn::new(CloneFlags::empty())
            .setup(&setup)
            .exec(
                stack.as_mut_slice(),
                c"/bin/sleep",
                argv,
                CStrArray::empty(),
            )
            .unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Signaled(k::SIGKILL as c_int)));
}

/// Whether `result` is a failure shown as `shown`, with no child left
/// behind (in a helper child, whose children are only the call's).
fn failed_as<T>(result: Result<T, Error>, shown: &str) -> bool {
    matches!(result, Err(err) if err.to_string() == shown) && no_child_left()
}

/// Runs a program with `setup` and `fds` in a helper child, and answers whether it
/// failed with `step`, `errno` and the words `shown` (in `Debug` too, under
/// its kind), before the program ran, with the child reaped.
fn fails_at(setup: Setup<'_>, fds: &[Fd<'_>], step: Step, errno: Errno, shown: &str) -> bool {
    let flags = CloneFlags::NEWUTS | CloneFlags::NEWUSER;
    match output(Spawn::new(flags).map_root_user(), setup, fds, c"echo ran") {
        Err(Error::Step(failed)) => {
            failed.step() == step
                && failed.errno() == errno
                && Error::Step(failed).to_string() == shown
                && format!("{:?}", Error::Step(failed)) == format!("Step({shown})")
                && no_child_left()
        }
        _ => false,
    }
}

#[test]
fn a_failing_step_is_named_with_its_argument_and_errno_and_nothing_runs() {
    skip_under_qemu_user!();
    let long_name = [b'x'; 65];
    let limits = [Limit {
        resource: Resource::OpenFiles,
        soft: 2,
        hard: 1,
    }];
    let bad_copy = [Fd::copy(1000, 5)];
    let bad_open = [Fd::open(c"/nonexistent", k::O_RDONLY, 0, 5)];
    let no_parent = [Mount::file(c"/nonexistent/file", 0o644)];
    let taken = [Mount::symlink(c"/", c"/proc")];
    let inheritable_unbounded = nsclone::Capabilities {
        inheritable: 1 << 10,
        ..nsclone::Capabilities::NONE
    };
    let none = Setup::new();
    let cases: &[(Setup<'_>, &[Fd<'_>], Step, Errno, &str)] = &[
        (
            Setup::new().current_dir(c"/nonexistent"),
            &[],
            Step::Chdir,
            Errno::ENOENT,
            "chdir(\"/nonexistent\"): ENOENT: no such file or directory",
        ),
        (
            Setup::new().hostname(&long_name),
            &[],
            Step::Hostname,
            Errno::EINVAL,
            "sethostname(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...): EINVAL: invalid argument",
        ),
        (
            Setup::new().limits(&limits),
            &[],
            Step::Limit,
            Errno::EINVAL,
            "prlimit(RLIMIT_NOFILE): EINVAL: invalid argument",
        ),
        (
            // setgroups is denied in a user namespace mapped like `unshare -r`.
            Setup::new().groups(&[]),
            &[],
            Step::Groups,
            Errno::EPERM,
            "setgroups: EPERM: operation not permitted",
        ),
        (
            Setup::new().uid(1),
            &[],
            Step::Uid,
            Errno::EINVAL,
            "setresuid(1): EINVAL: invalid argument",
        ),
        (
            Setup::new().gid(1),
            &[],
            Step::Gid,
            Errno::EINVAL,
            "setresgid(1): EINVAL: invalid argument",
        ),
        (
            Setup::new().domainname(&long_name),
            &[],
            Step::Domainname,
            Errno::EINVAL,
            "setdomainname(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...): EINVAL: invalid argument",
        ),
        (
            Setup::new().mounts(&no_parent),
            &[],
            Step::MakeFile,
            Errno::ENOENT,
            "creating(\"/nonexistent/file\"): ENOENT: no such file or directory",
        ),
        (
            Setup::new().mounts(&taken),
            &[],
            Step::Symlink,
            Errno::EEXIST,
            "symlink(\"/proc\" -> \"/\"): EEXIST: file exists",
        ),
        (
            Setup::new().chroot(c"/nonexistent"),
            &[],
            Step::Chroot,
            Errno::ENOENT,
            "chroot(\"/nonexistent\"): ENOENT: no such file or directory",
        ),
        (
            Setup::new().foreground(1000),
            &[],
            Step::Foreground,
            Errno::EBADF,
            "tcsetpgrp(1000): EBADF: bad file descriptor",
        ),
        (
            Setup::new().capabilities(inheritable_unbounded),
            &[],
            Step::Capabilities,
            Errno::EPERM,
            "capset: EPERM: operation not permitted",
        ),
        (
            none,
            &bad_copy,
            Step::FdCopy,
            Errno::EBADF,
            "dup3(1000, 5): EBADF: bad file descriptor",
        ),
        (
            none,
            &bad_open,
            Step::FdOpen,
            Errno::ENOENT,
            "open(\"/nonexistent\" onto 5): ENOENT: no such file or directory",
        ),
    ];
    for (i, &(setup, fds, step, errno, shown)) in cases.iter().enumerate() {
        let status = in_child(|| c_int::from(!fails_at(setup, fds, step, errno, shown)));
        assert_eq!(status, ExitStatus::Exited(0), "case {i}: {shown}");
    }
}

#[test]
fn a_closures_child_runs_the_setup_before_the_closure() {
    skip_under_qemu_user!();
    let ran = SharedPage::new(0u32);
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let named = Setup::new().hostname(b"closure").current_dir(c"/proc");
        // SAFETY: the closure makes raw syscalls and writes a shared page.
        let child = unsafe {
            request.setup(&named).spawn(stack.as_mut_slice(), || {
                ran.set(1);
                let mut cwd = [0u8; 16];
                // SAFETY: getcwd writes at most 16 bytes into `cwd`.
                let len = nsclone::sys::syscall(k::__NR_getcwd, [cwd.as_mut_ptr() as usize, 16]);
                let uts = nsclone::sys::uname();
                c_int::from(
                    !(uts.nodename() == b"closure" && len.is_ok() && cwd.starts_with(b"/proc\0")),
                )
            })
        };
        let Ok(ExitStatus::Exited(0)) = child.map(|mut child| child.wait().unwrap()) else {
            return 1;
        };
        let failing = Setup::new().current_dir(c"/nonexistent");
        ran.set(0);
        // SAFETY: as above.
        let refused = unsafe {
            request.setup(&failing).spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        match refused {
            Err(err) if err.step() == Some(Step::Chdir) && ran.get() == 0 && no_child_left() => 0,
            _ => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn a_closure_with_a_setup_needs_the_setups_stack_and_no_more() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user does not run seccomp filters"
    );
    // The deepest steps: descriptors opened and copied, and the others
    // closed through /proc/self/fd, as on a kernel without close_range.
    let status = in_child(|| {
        if make_enosys(k::__NR_close_range).is_err() {
            return 100;
        }
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        let needed = Spawn::stack_needed_below(0, 1).unwrap();
        let stdin = [
            Fd::open(c"/proc/version", k::O_RDONLY, 0, 0),
            Fd::copy(2, 1),
        ];
        let limits = [Limit {
            resource: Resource::OpenFiles,
            soft: 64,
            hard: 64,
        }];
        let setup = Setup::new()
            .fds(&stdin)
            .close_other_fds(&[2])
            .limits(&limits)
            .current_dir(c"/");
        let request = Spawn::new(CloneFlags::empty()).setup(&setup);
        // The low end of an MmapStack: running past it is a SIGSEGV.
        let short = &mut stack.as_mut_slice()[..needed + Spawn::SETUP_STACK / 2];
        // SAFETY: the closure returns a constant.
        match unsafe { request.spawn(short, || 7) } {
            Err(Error::Refused(nsclone::Refusal::StackTooSmall)) => {}
            _ => return 101,
        }
        let enough = &mut stack.as_mut_slice()[..needed + Spawn::SETUP_STACK + 256];
        // SAFETY: as above.
        match unsafe { request.spawn(enough, || 7) }.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(7))) => 0,
            _ => 102,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// The mounts of a minimal root on a `tmpfs` at `/tmp` (in the child's
/// mount namespace only): the host's `/usr`, `/bin`, `/sbin` and `/lib*`
/// bound read-only, or linked where they are links, a new `/proc` and a
/// `/dev` with `null`; and the names it has at its top.
fn minimal_root() -> (Vec<Mount<'static>>, Vec<String>) {
    let mut mounts = vec![
        Mount::private(c"/"),
        Mount::tmpfs(c"/tmp", Some(c"mode=0755")),
    ];
    let mut names: Vec<String> = std::fs::read_dir("/")
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| ["usr", "bin", "sbin"].contains(&name.as_str()) || name.starts_with("lib"))
        .collect();
    names.sort();
    for name in &names {
        let inside = c(format!("/tmp/{name}"));
        match std::fs::read_link(format!("/{name}")) {
            Ok(target) => mounts.push(Mount::symlink(
                c(target.into_os_string().into_encoded_bytes()),
                inside,
            )),
            Err(_) => {
                mounts.push(Mount::dir(inside, 0o755));
                mounts.push(Mount::bind_read_only(c(format!("/{name}")), inside));
            }
        }
    }
    mounts.push(Mount::dir(c"/tmp/proc", 0o555));
    mounts.push(Mount::proc(c"/tmp/proc"));
    // A /dev of one device node, bound from the host's.
    mounts.push(Mount::dir(c"/tmp/dev", 0o755));
    mounts.push(Mount::file(c"/tmp/dev/null", 0o666));
    mounts.push(Mount::bind(c"/dev/null", c"/tmp/dev/null"));
    names.extend(["proc".to_string(), "dev".to_string()]);
    names.sort();
    (mounts, names)
}

/// Runs `script` in new user, mount and PID namespaces with `setup`, in a
/// helper child (as nobody if asked), and returns what it wrote.
fn contained(setup: Setup<'_>, script: &CStr, as_nobody: bool) -> String {
    let said = SharedPage::new([0u8; 4000]);
    let run = || {
        let flags = CloneFlags::NEWUSER | CloneFlags::NEWNS | CloneFlags::NEWPID;
        let request = Spawn::new(flags).map_root_user();
        let text = match output(request, setup, &[], script) {
            Ok((ExitStatus::Exited(0), text)) => text,
            Ok((status, text)) => format!("{status:?}: {text}"),
            Err(err) => format!("error: {err}"),
        };
        let mut page = [0u8; 4000];
        let len = text.len().min(page.len() - 1);
        page[..len].copy_from_slice(&text.as_bytes()[..len]);
        said.set(page);
        0
    };
    let status = if as_nobody {
        in_child_as_nobody(run)
    } else {
        in_child(run)
    };
    assert_eq!(status, ExitStatus::Exited(0));
    let page = said.get();
    String::from_utf8_lossy(&page[..page.iter().position(|&b| b == 0).unwrap()]).into_owned()
}

/// Whether this process's root is the initial ramfs (`rootfs`), as under
/// the VM tier's runner.
fn root_is_the_initramfs() -> bool {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let root = mounts
        .lines()
        .rfind(|line| line.split(' ').nth(4) == Some("/"));
    root.and_then(|line| line.split(" - ").nth(1))
        .is_some_and(|fs| fs.starts_with("rootfs "))
}

#[test]
fn a_new_root_is_built_from_mounts_and_pivot_root_with_the_old_one_gone() {
    skip_under_qemu_user!();
    let (mounts, names) = minimal_root();
    let script = c"echo $$; ls /; grep -c . /proc/self/mountinfo; touch /usr/x 2>/dev/null || echo read-only";
    for as_nobody in [false, true] {
        let setup = Setup::new()
            .mounts(&mounts)
            .pivot_root(c"/tmp")
            .current_dir(c"/");
        let said = contained(setup, script, as_nobody);
        if root_is_the_initramfs() {
            // pivot_root(2): the initial ramfs cannot be pivoted away from.
            assert_eq!(
                said,
                "error: pivot_root(\"/tmp\"): EINVAL: invalid argument"
            );
            eprintln!(
                "SKIPPED {}: the root is the initramfs (rootfs)",
                module_path!()
            );
            continue;
        }
        let lines: Vec<&str> = said.lines().collect();
        // pid 1; only the new root's names; its own mounts only (the
        // tmpfs, the binds, proc), none of the host's; /usr read-only.
        assert!(lines.len() > 3, "as nobody: {as_nobody}: {said}");
        let (last, ls) = (lines.len() - 1, &lines[1..lines.len() - 2]);
        let mounts_seen: usize = lines[last - 1].parse().unwrap();
        assert_eq!(
            (lines[0], ls),
            (
                "1",
                &names.iter().map(String::as_str).collect::<Vec<_>>()[..]
            ),
            "{said}"
        );
        assert!(mounts_seen <= names.len() + 1, "{said}");
        if names.contains(&"usr".to_string()) {
            assert_eq!(lines[last], "read-only", "{said}");
        }
    }
}

#[test]
fn chroot_makes_a_directory_the_root() {
    skip_under_qemu_user!();
    let (mounts, names) = minimal_root();
    let setup = Setup::new().mounts(&mounts).chroot(c"/tmp");
    let said = contained(setup, c"ls /", true);
    assert_eq!(said.lines().collect::<Vec<_>>(), names);
}

#[test]
fn a_recursive_read_only_bind_makes_the_mounts_under_it_read_only_too() {
    skip_under_qemu_user!();
    let tree = [
        Mount::private(c"/"),
        Mount::tmpfs(c"/tmp", None),
        Mount::dir(c"/tmp/a", 0o755),
        Mount::tmpfs(c"/tmp/a", None),
        Mount::dir(c"/tmp/a/b", 0o755),
        Mount::tmpfs(c"/tmp/a/b", None),
        Mount::dir(c"/tmp/ro", 0o755),
        Mount::dir(c"/tmp/ro-top", 0o755),
        Mount::bind_read_only_recursive(c"/tmp/a", c"/tmp/ro"),
        Mount::bind_read_only(c"/tmp/a", c"/tmp/ro-top"),
    ];
    let script = c"for f in /tmp/ro/x /tmp/ro/b/x /tmp/ro-top/x /tmp/ro-top/b/x /tmp/a/b/x; do touch $f 2>/dev/null && echo $f; done";
    // Only the original's files are writable; the top-only bind shows an
    // empty b, the directory of its parent mount. Before mount_setattr the
    // recursive bind's step fails instead of leaving a mount writable.
    let said = contained(Setup::new().mounts(&tree), script, true);
    match kernel_line(&MOUNT_SETATTR) {
        Side::Has => assert_eq!(said, "/tmp/a/b/x\n"),
        Side::Lacks(_) => assert_eq!(
            said,
            "error: mount(\"/tmp/a\" on \"/tmp/ro\"): ENOSYS: function not implemented"
        ),
    }
}

#[test]
fn a_failing_mount_or_root_step_names_its_paths() {
    skip_under_qemu_user!();
    let cases: [(&[Mount<'_>], Option<&CStr>, &str); 4] = [
        (
            &[Mount::tmpfs(c"/nonexistent", None)],
            None,
            "mount(\"tmpfs\" on \"/nonexistent\"): ENOENT: no such file or directory",
        ),
        (
            &[Mount::dir(c"/nonexistent/x", 0o755)],
            None,
            "mkdir(\"/nonexistent/x\"): ENOENT: no such file or directory",
        ),
        (
            &[Mount::bind(c"/nonexistent", c"/tmp")],
            None,
            "mount(\"/nonexistent\" on \"/tmp\"): ENOENT: no such file or directory",
        ),
        (
            &[
                Mount::private(c"/"),
                Mount::tmpfs(c"/tmp", None),
                Mount::dir(c"/tmp/sub", 0o755),
            ],
            Some(c"/tmp/sub"),
            "pivot_root(\"/tmp/sub\"): EINVAL: invalid argument",
        ),
    ];
    for (mounts, root, shown) in cases {
        let setup = Setup::new().mounts(mounts);
        let setup = root.map_or(setup, |root| setup.pivot_root(root));
        let flags = CloneFlags::NEWUSER | CloneFlags::NEWNS;
        let status = in_child_as_nobody(|| {
            let refused = output(Spawn::new(flags).map_root_user(), setup, &[], c"echo ran");
            c_int::from(!failed_as(refused, shown))
        });
        assert_eq!(status, ExitStatus::Exited(0), "{shown}");
    }
}

/// The `Cap*` lines of `/proc/self/status` of a program run with `setup`
/// by `spawn`, as (name, hex set) pairs.
fn capability_sets(spawn: Spawn<'_>, setup: Setup<'_>) -> Result<Vec<(String, u64)>, Error> {
    let argv = [c"/bin/grep", c"^Cap", c"/proc/self/status"];
    let (_, said) = program_output(spawn, setup, &[], &argv)?;
    Ok(said
        .lines()
        .filter_map(|line| {
            let (name, hex) = line.split_once(':')?;
            Some((name.to_string(), u64::from_str_radix(hex.trim(), 16).ok()?))
        })
        .collect())
}

#[test]
fn a_program_under_another_uid_has_exactly_the_capabilities_asked_for() {
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let bind_service = 1 << 10;
    let setup = Setup::new()
        .capabilities(nsclone::Capabilities::only(bind_service))
        .groups(&[])
        .gid(1000)
        .uid(1000);
    let sets = capability_sets(Spawn::new(CloneFlags::empty()), setup).unwrap();
    let names: Vec<&str> = sets.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]);
    assert!(
        sets.iter().all(|&(_, set)| set == bind_service),
        "{sets:x?}"
    );
    // Without the step, uid 1000's program has none, and the full bounding set.
    let plain = capability_sets(Spawn::new(CloneFlags::empty()), Setup::new().uid(1000)).unwrap();
    assert!(
        plain
            .iter()
            .all(|(name, set)| (*set == 0) != (name == "CapBnd")),
        "{plain:x?}"
    );
}

#[test]
fn root_of_a_user_namespace_can_drop_every_capability_and_fails_to_raise_one_not_permitted() {
    skip_under_qemu_user!();
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER).map_root_user();
        let none = Setup::new().capabilities(nsclone::Capabilities::NONE);
        let Ok(sets) = capability_sets(request, none) else {
            return 1;
        };
        if sets.len() != 5 || sets.iter().any(|&(_, set)| set != 0) {
            return 2;
        }
        let not_permitted = nsclone::Capabilities {
            ambient: 1 << 10,
            ..nsclone::Capabilities::NONE
        };
        let raised = capability_sets(request, Setup::new().capabilities(not_permitted));
        let shown = "prctl(PR_CAP_AMBIENT)(10): EPERM: operation not permitted";
        if failed_as(raised, shown) {
            0
        } else {
            3
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn the_seccomp_filter_is_the_programs() {
    skip_under_qemu_user!();
    let deny_hostname =
        common::seccomp::answering(k::__NR_sethostname, linux_raw_sys::errno::EPERM);
    let status = in_child_as_nobody(|| {
        let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
        let filtered = Setup::new().no_new_privs().seccomp(&deny_hostname);
        let script = c"grep '^Seccomp:' /proc/self/status; hostname x 2>/dev/null || echo denied";
        match output(request, filtered, &[], script) {
            Ok((ExitStatus::Exited(0), said)) if said == "Seccomp:\t2\ndenied\n" => {}
            _ => return 1,
        }
        // Without no_new_privs, and without CAP_SYS_ADMIN here: refused.
        let unfiltered = Setup::new().seccomp(&deny_hostname);
        let refused = output(
            Spawn::new(CloneFlags::empty()),
            unfiltered,
            &[],
            c"echo ran",
        );
        let shown = "seccomp(SECCOMP_SET_MODE_FILTER): EACCES: permission denied";
        if failed_as(refused, shown) {
            0
        } else {
            2
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn a_held_child_waits_for_the_callers_work_before_its_program_runs() {
    skip_under_qemu_user!();
    let dir = std::env::temp_dir().join(format!("nsclone-held-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let note = dir.join("note");
    let script = CString::new(format!("cat {}", note.display())).unwrap();
    let (mut read, write) = std::io::pipe().unwrap();
    let stdout = [Fd::copy(write.as_raw_fd(), 1)];
    let setup = Setup::new().fds(&stdout);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [core::ptr::null::<c_char>(); 4];
    let argv = CStrArray::new(&[c"sh", c"-c", &script], &mut argv_buf).unwrap();
    let request = Spawn::new(CloneFlags::NEWUTS | CloneFlags::NEWUSER).map_root_user();
    let mut seen_pid = 0;
    let child = request.setup(&setup).exec_held(
        stack.as_mut_slice(),
        c"/bin/sh",
        argv,
        CStrArray::empty(),
        |held| {
            seen_pid = held.pid();
            // Its namespaces exist; its program has not run (it reads this).
            let ours = std::fs::read_link("/proc/self/ns/uts").unwrap();
            let its = std::fs::read_link(format!("/proc/{}/ns/uts", held.pid())).unwrap();
            assert_ne!(ours, its);
            std::fs::write(&note, "written while held\n").unwrap();
            assert!(matches!(held.seccomp_listener(), Ok(None)));
            Ok(())
        },
    );
    drop(write);
    let mut child = child.unwrap();
    let mut said = String::new();
    read.read_to_string(&mut said).unwrap();
    assert_eq!(child.pid(), seen_pid);
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(said, "written while held\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_hold_that_fails_ends_the_child_before_its_program() {
    skip_under_qemu_user!();
    let status = in_child(|| {
        let (mut read, write) = std::io::pipe().unwrap();
        let stdout = [Fd::copy(write.as_raw_fd(), 1)];
        let setup = Setup::new().fds(&stdout);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 4];
        let argv = CStrArray::new(&[c"sh", c"-c", c"echo ran"], &mut argv_buf).unwrap();
        let refused = Spawn::new(CloneFlags::empty()).setup(&setup).exec_held(
            stack.as_mut_slice(),
            c"/bin/sh",
            argv,
            CStrArray::empty(),
            |_| Err(Error::Kernel(Errno::ECANCELED)),
        );
        drop(write);
        let mut said = String::new();
        read.read_to_string(&mut said).unwrap();
        match refused {
            Err(Error::Kernel(Errno::ECANCELED)) if said.is_empty() && no_child_left() => 0,
            _ => 1,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn the_seccomp_listener_is_handed_to_the_caller_while_the_child_holds() {
    skip_under_qemu_user!();
    let allow_all = [nsclone::SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    }];
    let status = in_child_as_nobody(|| {
        let setup = Setup::new()
            .no_new_privs()
            .seccomp(&allow_all)
            .seccomp_listener();
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
        let mut listener = None;
        let child = Spawn::new(CloneFlags::empty()).setup(&setup).exec_held(
            stack.as_mut_slice(),
            c"/bin/true",
            argv,
            CStrArray::empty(),
            |held| {
                listener = held.seccomp_listener()?;
                Ok(())
            },
        );
        match child.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => {}
            Err(err) if err.errno() == Errno::ENOSYS => return 50,
            _ => return 1,
        }
        let Some(listener) = listener else {
            return 2;
        };
        let link = std::fs::read_link(format!("/proc/self/fd/{}", listener.as_raw_fd()));
        match link {
            Ok(target) if target.to_str() == Some("anon_inode:seccomp notify") => 0,
            _ => 3,
        }
    });
    skip_if!(
        status == ExitStatus::Exited(50),
        "pidfd_getfd needs Linux 5.6"
    );
    assert_eq!(status, ExitStatus::Exited(0));
}

/// A new pseudo-terminal's sides, the manager's and the terminal's, both
/// opened without becoming anyone's controlling terminal; `None` without
/// `/dev/ptmx` and devpts.
fn pty() -> Option<(std::fs::File, std::fs::File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let no_ctty = k::O_NOCTTY as i32;
    let open = |path: &str| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(no_ctty)
            .open(path)
    };
    let manager = open("/dev/ptmx").ok()?;
    let (unlock, number) = (0u32, 0u32);
    const TIOCSPTLCK: usize = 0x4004_5431;
    const TIOCGPTN: usize = 0x8004_5430;
    let fd = manager.as_raw_fd() as usize;
    // SAFETY: both ioctls read or write one int.
    unsafe {
        nsclone::sys::syscall(
            k::__NR_ioctl,
            [fd, TIOCSPTLCK, &unlock as *const u32 as usize],
        )
        .ok()?;
        nsclone::sys::syscall(
            k::__NR_ioctl,
            [fd, TIOCGPTN, &number as *const u32 as usize],
        )
        .ok()?;
    }
    let terminal = open(&format!("/dev/pts/{number}")).ok()?;
    Some((manager, terminal))
}

/// Fields of `/proc/<shell>/stat` of the shell run with `setup`: process
/// group, session, terminal (`tty_nr`) and its foreground group (`tpgid`).
fn terminal_fields(setup: Setup<'_>) -> [i64; 4] {
    let stat = said(setup, c"read -r stat < /proc/$$/stat; echo \"$stat\"");
    let after: Vec<i64> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .skip(2)
        .take(4)
        .map(|n| n.parse().unwrap())
        .collect();
    [after[0], after[1], after[2], after[3]]
}

#[test]
fn a_controlling_terminal_is_the_new_sessions_with_the_program_in_the_foreground() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user's /proc/<pid>/stat is the emulator's view"
    );
    let Some((_manager, terminal)) = pty() else {
        eprintln!("SKIPPED {}: needs /dev/ptmx and devpts", module_path!());
        return;
    };
    let fd = terminal.as_raw_fd();
    let [group, session, tty, foreground] = terminal_fields(Setup::new().controlling_terminal(fd));
    assert_eq!(session, group, "the shell leads its session");
    assert_ne!(tty, 0, "it has a controlling terminal");
    assert_eq!(foreground, group, "its group is in the foreground");
    let [_, _, tty, _] = terminal_fields(Setup::new().new_session());
    assert_eq!(tty, 0, "a new session alone has no terminal");
    let (not_a_terminal, _) = std::io::pipe().unwrap();
    let fd = not_a_terminal.as_raw_fd();
    let setup = Setup::new().controlling_terminal(fd);
    let refused = output(Spawn::new(CloneFlags::empty()), setup, &[], c"echo ran").unwrap_err();
    let shown = format!("ioctl(TIOCSCTTY)({fd}): ENOTTY: inappropriate ioctl for device");
    assert_eq!(refused.to_string(), shown);
}

#[test]
fn foreground_puts_the_program_in_its_own_group_in_the_foreground_of_the_callers_terminal() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user's /proc/<pid>/stat is the emulator's view"
    );
    let Some((_manager, terminal)) = pty() else {
        eprintln!("SKIPPED {}: needs /dev/ptmx and devpts", module_path!());
        return;
    };
    let fd = terminal.as_raw_fd();
    let status = in_child(|| {
        // A session of our own with the terminal, as a shell has.
        // SAFETY: setsid reads no memory; TIOCSCTTY takes a plain value.
        let owned = unsafe {
            nsclone::sys::syscall(k::__NR_setsid, [])
                .and_then(|_| nsclone::sys::syscall(k::__NR_ioctl, [fd as usize, 0x540e, 0]))
        };
        if owned.is_err() {
            return 1;
        }
        let [group, session, tty, foreground] = terminal_fields(Setup::new().foreground(fd));
        // SAFETY: getpid reads no memory.
        let ours = nsclone::sys::getpid() as i64;
        let ok = session == ours && group != ours && tty != 0 && foreground == group;
        c_int::from(!ok) * 2
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn an_idmapped_bind_shows_the_files_owners_through_the_childs_id_maps() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root: the parent makes the mount");
    let dir = std::env::temp_dir().join(format!("nsclone-idmap-{}", std::process::id()));
    let (src, dst) = (dir.join("src"), dir.join("dst"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::write(src.join("file"), "").unwrap();
    // Root inside is 100000 outside, as a container's maps are: the host's
    // root-owned file is nobody's inside, but root's on the idmapped bind.
    let maps = [nsclone::IdMap {
        inside: 0,
        outside: 100_000,
        count: 65536,
    }];
    let (src_c, dst_c) = (c(src.to_str().unwrap()), c(dst.to_str().unwrap()));
    let mounts = [Mount::private(c"/"), Mount::bind_idmapped(src_c, dst_c)];
    let script = CString::new(format!(
        "ls -ln {0}/file {1}/file | while read -r mode links uid rest; do echo $uid; done",
        dst.display(),
        src.display()
    ))
    .unwrap();
    let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNS).id_maps(
        &maps,
        &maps,
        nsclone::SetGroups::Deny,
    );
    let setup = Setup::new().mounts(&mounts);
    let said = output(request, setup, &[], &script);
    // A closure's child gets the same mount (the owner seen from its own
    // user namespace, through stat(2)).
    let owner = SharedPage::new(u32::MAX);
    let file = c(dst.join("file").to_str().unwrap());
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure makes one raw syscall and writes a shared page.
    let closure = unsafe {
        request.setup(&setup).spawn(stack.as_mut_slice(), || {
            let mut stat = core::mem::MaybeUninit::<k::stat>::zeroed();
            let args = [
                k::AT_FDCWD as usize,
                file.as_ptr() as usize,
                stat.as_mut_ptr() as usize,
                0,
            ];
            // SAFETY: the kernel fills one `struct stat`.
            if nsclone::sys::syscall(k::__NR_newfstatat, args).is_ok() {
                // newfstatat succeeded: `stat` is initialized.
                owner.set(stat.assume_init().st_uid);
            }
            0
        })
    }
    .map(|mut child| child.wait());
    std::fs::remove_dir_all(&dir).unwrap();
    if let Side::Lacks(_) = kernel_line(&MOUNT_SETATTR) {
        // The parent's mount_setattr fails: the mount step names it.
        for err in [said.map(drop), closure.map(drop)] {
            let err = err.expect_err("an idmapped bind without mount_setattr");
            assert_eq!(
                (err.step(), err.errno()),
                (Some(Step::Mount), Errno::ENOSYS)
            );
        }
        return;
    }
    match said {
        Ok((status, said)) => {
            assert_eq!(status, ExitStatus::Exited(0), "{said}");
            assert_eq!(said, "0\n65534\n");
            assert_eq!(closure, Ok(Ok(ExitStatus::Exited(0))));
            assert_eq!(owner.get(), 0);
        }
        Err(err) if err.errno() == Errno::EINVAL && !idmappable(&dir) => {
            eprintln!(
                "SKIPPED {}: {err}: no idmapped mounts of the temporary directory's filesystem on this kernel",
                module_path!()
            );
        }
        Err(err) => panic!("{err}"),
    }
}

/// Whether the kernel makes idmapped mounts of the filesystem `path`'s
/// parent is on: not of an initramfs's root (`rootfs`, whether ramfs or
/// tmpfs inside, as under the VM tier's runner), nor of ramfs; of tmpfs
/// from Linux 6.3, of the disk filesystems from 5.12.
fn idmappable(path: &std::path::Path) -> bool {
    if root_is_the_initramfs() {
        return false;
    }
    const RAMFS_MAGIC: i64 = 0x8584_58f6;
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    let parent = CString::new(path.parent().unwrap().to_str().unwrap()).unwrap();
    let mut stat = core::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `parent` is NUL-terminated; statfs fills `stat`.
    if unsafe { libc::statfs(parent.as_ptr(), stat.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: statfs succeeded.
    let kind = unsafe { stat.assume_init() }.f_type;
    let release = nsclone::sys::uname().release_numbers();
    match kind {
        RAMFS_MAGIC => false,
        TMPFS_MAGIC => release >= (6, 3),
        _ => release >= (5, 12),
    }
}

#[test]
fn an_idmapped_bind_the_parent_may_not_make_fails_named_with_no_child_left() {
    skip_under_qemu_user!();
    let status = in_child_as_nobody(|| {
        let mounts = [Mount::bind_idmapped(c"/proc", c"/proc")];
        let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNS).map_root_user();
        let refused = output(request, Setup::new().mounts(&mounts), &[], c"echo ran");
        let shown = "mount(\"/proc\" on \"/proc\"): EPERM: operation not permitted";
        c_int::from(!failed_as(refused, shown))
    });
    assert_eq!(status, ExitStatus::Exited(0));
}
