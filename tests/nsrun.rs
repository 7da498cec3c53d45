//! nsrun run as a subprocess: what the program sees, exit statuses, signals,
//! zombies, joining, and every kind of bad input.

mod common;

use common::is_root;
use nsclone::Namespace;
use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const NSRUN: &str = env!("CARGO_BIN_EXE_nsrun");

/// nsrun as a command; under qemu-user through qemu, which cannot start
/// a foreign binary by itself without binfmt_misc.
fn command() -> Command {
    match std::env::var_os("NSCLONE_QEMU_USER") {
        Some(_) => {
            let mut qemu = Command::new(format!("qemu-{}-static", std::env::consts::ARCH));
            qemu.arg(NSRUN);
            qemu
        }
        None => Command::new(NSRUN),
    }
}

fn nsrun(args: &[&str]) -> Output {
    command().args(args).output().expect("run nsrun")
}

/// Skips a test whose program nsrun must start: under qemu-user, the
/// programs on this machine are not aarch64 ones.
macro_rules! runs_programs {
    () => {
        skip_if!(
            common::under_qemu_user(),
            "under qemu-user nsrun cannot start this machine's programs"
        );
    };
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Skips the calling test under qemu-user or without root.
macro_rules! needs_namespaces {
    () => {
        runs_programs!();
        skip_if!(!is_root(), "needs root (CI runs as root)");
    };
}

#[test]
fn with_a_pid_namespace_the_program_sees_only_nsrun_as_pid_1_and_itself() {
    needs_namespaces!();
    let output = nsrun(&[
        "-p",
        "--mount-proc",
        "--",
        "sh",
        "-c",
        // Not last: some shells (busybox) exec their last command in place.
        "echo $$; ps -e -o pid=,comm=; exit 0",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("2"),
        "the program is pid 2, under nsrun as pid 1"
    );
    let processes: Vec<_> = lines
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .collect();
    assert_eq!(processes[0], ["1", "nsrun"]);
    assert_eq!(processes[1], ["2", "sh"]);
    assert_eq!(processes.len(), 3, "only nsrun, sh and ps: {processes:?}");
}

/// What `readlink /proc/self/ns/<kind>` says for each kind, one per line.
fn readlink_namespaces() -> String {
    Namespace::ALL
        .iter()
        .map(|ns| {
            let link = std::fs::read_link(format!("/proc/self/ns/{}", ns.proc_name())).unwrap();
            format!("{}\n", link.display())
        })
        .collect()
}

#[test]
fn each_kinds_short_and_long_option_creates_that_namespace() {
    needs_namespaces!();
    let ours = readlink_namespaces();
    let ns_paths = Namespace::ALL.map(|ns| format!("/proc/self/ns/{}", ns.proc_name()));
    // The program prints every kind's link: only the one asked for is new.
    let links_in = |option: &str| {
        let output = command()
            .arg(option)
            // busybox's readlink takes one file.
            .args(["--", "sh", "-c", "for f; do readlink \"$f\"; done", "sh"])
            .args(&ns_paths)
            .output()
            .unwrap();
        assert!(output.status.success(), "{option}: {}", stderr(&output));
        stdout(&output)
    };
    for (at, ns) in Namespace::ALL.into_iter().enumerate() {
        for option in [
            format!("-{}", ns.option_letter()),
            format!("--{}", ns.option_name()),
        ] {
            let theirs = links_in(&option);
            for (kind, (inside, outside)) in theirs.lines().zip(ours.lines()).enumerate() {
                assert_eq!(
                    inside != outside,
                    kind == at,
                    "{option}: {inside} vs {outside}"
                );
            }
        }
    }
    // One word bundling every letter creates every kind.
    let bundle: String = Namespace::ALL
        .map(Namespace::option_letter)
        .iter()
        .collect();
    let theirs = links_in(&format!("-{bundle}"));
    assert_eq!(theirs.lines().count(), Namespace::ALL.len());
    for (inside, outside) in theirs.lines().zip(ours.lines()) {
        assert_ne!(inside, outside, "-{bundle}");
    }
}

#[test]
fn the_help_lists_each_kinds_option() {
    let help = stdout(&nsrun(&["--help"]));
    for ns in Namespace::ALL {
        let option = format!("-{}, --{}", ns.option_letter(), ns.option_name());
        assert!(help.contains(&option), "{option} missing from:\n{help}");
    }
}

#[test]
fn a_hostname_set_inside_is_not_seen_outside() {
    needs_namespaces!();
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let output = nsrun(&[
        "--hostname",
        "nsrun-inside",
        "--",
        "cat",
        "/proc/sys/kernel/hostname",
    ]);
    assert_eq!(stdout(&output), "nsrun-inside\n", "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        before
    );
}

#[test]
fn map_root_user_gives_uid_0_as_root_and_unprivileged() {
    needs_namespaces!();
    let output = nsrun(&["-r", "--", "id", "-u"]);
    assert_eq!(stdout(&output), "0\n", "{}", stderr(&output));
    let output = command()
        .args([
            "-r",
            "-p",
            "--mount-proc",
            "--",
            "sh",
            "-c",
            "id -u; cat /proc/self/uid_map",
        ])
        .uid(common::NOBODY)
        .gid(common::NOBODY)
        .output()
        .unwrap();
    let text = stdout(&output);
    if output.status.code() == Some(1) && stderr(&output).contains("cannot create namespaces") {
        eprintln!("SKIPPED unprivileged half: {}", stderr(&output));
        return;
    }
    let fields: Vec<_> = text.split_whitespace().collect();
    assert_eq!(fields, ["0", "0", "65534", "1"], "{}", stderr(&output));
}

#[test]
fn exit_codes_mirror_the_program() {
    runs_programs!();
    let code = |args: &[&str]| nsrun(args).status.code();
    assert_eq!(code(&["--", "true"]), Some(0));
    assert_eq!(code(&["--", "sh", "-c", "exit 7"]), Some(7));
    assert_eq!(code(&["--", "/nonexistent/program"]), Some(127));
    assert_eq!(code(&["--", "no-such-program-anywhere"]), Some(127));
    assert_eq!(code(&["--", "/proc/self/status"]), Some(126));
    let missing = nsrun(&["--", "/nonexistent/program"]);
    assert_eq!(
        stderr(&missing),
        "nsrun: failed to execute /nonexistent/program: ENOENT: no such file or directory\n"
    );
}

#[test]
fn a_program_killed_by_a_signal_kills_nsrun_with_it() {
    runs_programs!();
    let status = nsrun(&["--", "sh", "-c", "kill -KILL $$"]).status;
    assert_eq!(status.signal(), Some(9));
    if is_root() && !common::under_qemu_user() {
        // Through the PID 1 inside as well.
        let status = nsrun(&["-p", "--", "sh", "-c", "kill -TERM $$"]).status;
        assert_eq!(status.signal(), Some(15));
    }
}

#[test]
fn orphans_left_by_the_program_are_reaped_by_nsrun_as_pid_1() {
    needs_namespaces!();
    let script = "(sleep 0.1 &); sleep 0.6; ps -e -o stat=,comm=";
    let output = nsrun(&["-p", "--mount-proc", "--", "sh", "-c", script]);
    let text = stdout(&output);
    assert!(!text.is_empty(), "{}", stderr(&output));
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with('Z')),
        "a zombie is left: {text}"
    );
    assert!(
        !text.contains("sleep\n") || text.matches("sleep").count() == 1,
        "{text}"
    );
}

#[test]
fn without_a_pid_namespace_orphans_come_to_nsrun_which_reaps_them() {
    runs_programs!();
    // The orphan prints its parent once its own has gone; the program then
    // counts nsrun's zombie children ($PPID: nsrun, without -p).
    let script = "(sh -c 'sleep 0.2; cut -d\" \" -f4 /proc/$$/stat' &); sleep 0.6; \
                  ps -e -o stat=,ppid= | grep -c \"^Z *$PPID\\$\" || true";
    let child = command()
        .args(["--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let nsrun_pid = child.id().to_string();
    let output = child.wait_with_output().unwrap();
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [&*nsrun_pid, "0"],
        "the orphan's parent, then nsrun's zombies"
    );
}

/// Starts nsrun with a program that prints `ready` once its TERM trap is set.
fn start_trapping(args: &[&str]) -> (std::process::Child, impl BufRead) {
    let mut child = command()
        .args(args)
        .args([
            "--",
            "sh",
            "-c",
            "trap 'echo got-term; exit 5' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    (child, out)
}

#[test]
fn termination_signals_are_forwarded_to_the_program() {
    runs_programs!();
    for args in [&[][..], &["-p"][..]] {
        if !args.is_empty() && (!is_root() || common::under_qemu_user()) {
            eprintln!("SKIPPED the -p half: needs root and a real kernel");
            continue;
        }
        let (mut child, mut out) = start_trapping(args);
        nsclone::sys::kill(child.id() as i32, 15).unwrap();
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, "got-term\n", "{args:?}");
        assert_eq!(child.wait().unwrap().code(), Some(5), "{args:?}");
    }
}

/// Every signal a program can be sent but the kernel's fault signals,
/// SIGCHLD, the terminal's SIGTTIN and SIGTTOU (and SIGKILL and SIGSTOP).
fn forwarded_signals() -> Vec<i32> {
    const NOT_FORWARDED: [i32; 12] = [4, 5, 6, 7, 8, 9, 11, 17, 19, 21, 22, 31];
    (1..=64).filter(|s| !NOT_FORWARDED.contains(s)).collect()
}

#[test]
fn every_signal_but_faults_chld_ttin_ttou_reaches_the_program() {
    runs_programs!();
    // The shell cannot catch 32 and 33 (the C library keeps them for its
    // threads): 32 is checked last, as what kills the program, and nsrun.
    let caught: Vec<i32> = forwarded_signals()
        .into_iter()
        .filter(|s| ![32, 33].contains(s))
        .collect();
    let numbers: Vec<String> = caught.iter().map(i32::to_string).collect();
    let script = "for s in $SIGNALS; do trap \"echo $s\" $s; done; \
                  echo ready; while :; do sleep 0.02; done";
    for args in [&[][..], &["-p"][..]] {
        if !args.is_empty() && (!is_root() || common::under_qemu_user()) {
            eprintln!("SKIPPED the -p half: needs root and a real kernel");
            continue;
        }
        let mut command = command();
        command
            .args(args)
            .args(["--", "sh", "-c", script])
            .env("SIGNALS", numbers.join(" "))
            .stdout(Stdio::piped());
        // SAFETY: a raw sigaction, async-signal-safe, in the forked child:
        // 32 may come ignored from whoever started the tests, and an
        // ignored signal stays ignored across exec.
        unsafe {
            command.pre_exec(|| {
                nsclone::sys::set_default_action(32);
                Ok(())
            })
        };
        let mut child = command.spawn().unwrap();
        // Lines through a thread: a signal nsrun does not pass on may kill
        // it and leave the program holding the pipe.
        let (lines, next) = std::sync::mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            out.lines()
                .map_while(Result::ok)
                .try_for_each(|l| lines.send(l))
        });
        let line = || {
            next.recv_timeout(Duration::from_secs(5))
                .unwrap_or_default()
        };
        assert_eq!(line(), "ready");
        for &signal in &caught {
            let sent = nsclone::sys::kill(child.id() as i32, signal);
            let got = line();
            if got != signal.to_string() {
                let _ = child.kill();
                let _ = Command::new("pkill").args(["-f", "sleep 0.02"]).status();
                panic!("{args:?}: signal {signal} ({sent:?}) reached the program as {got:?}");
            }
        }
        nsclone::sys::kill(child.id() as i32, 32).unwrap();
        assert_eq!(child.wait().unwrap().signal(), Some(32), "{args:?}");
    }
}

#[test]
fn kill_child_ends_the_program_when_nsrun_is_killed() {
    runs_programs!();
    let mut child = command()
        .args(["--kill-child", "--", "sleep", "100"])
        .spawn()
        .unwrap();
    let children = format!("/proc/{0}/task/{0}/children", child.id());
    let deadline = Instant::now() + Duration::from_secs(5);
    let program = loop {
        let text = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(pid) = text.split_whitespace().next() {
            break pid.to_string();
        }
        assert!(Instant::now() < deadline, "nsrun started no program");
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let stat = format!("/proc/{program}/stat");
    while std::fs::read_to_string(&stat).is_ok_and(|s| !s.contains(") Z ")) {
        assert!(Instant::now() < deadline, "the program outlived nsrun");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn target_joins_another_process_namespaces() {
    needs_namespaces!();
    let (mut holder, program) = holder(&["-u", "-n", "--hostname", "joined-host"], None);
    let all = nsrun(&["-t", &program, "--", "cat", "/proc/sys/kernel/hostname"]);
    let uts_only = nsrun(&[
        "-t",
        &program,
        "-u",
        "--",
        "sh",
        "-c",
        "cat /proc/sys/kernel/hostname; readlink /proc/self/ns/net",
    ]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(stdout(&all), "joined-host\n", "{}", stderr(&all));
    let our_net = std::fs::read_link("/proc/self/ns/net").unwrap();
    assert_eq!(
        stdout(&uts_only),
        format!("joined-host\n{}\n", our_net.display()),
        "{}",
        stderr(&uts_only)
    );
}

#[test]
fn time_offsets_shift_the_programs_clocks() {
    needs_namespaces!();
    let output = nsrun(&["--boottime", "86400", "--", "cat", "/proc/uptime"]);
    let uptime: f64 = stdout(&output)
        .split_whitespace()
        .next()
        .unwrap_or("0")
        .parse()
        .unwrap();
    let ours: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (uptime - ours - 86400.0).abs() < 60.0,
        "{uptime} vs {ours}: {}",
        stderr(&output)
    );
}

#[test]
fn bad_input_is_one_line_naming_the_option_and_exit_status_1() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--bogus"],
            "nsrun: --bogus is not an option (see --help)\n",
        ),
        (&["-x"], "nsrun: -x is not an option (see --help)\n"),
        (&["-t"], "nsrun: -t needs a value\n"),
        (&["-t", "abc"], "nsrun: -t needs a process ID\n"),
        (&["--target=0"], "nsrun: --target=0 needs a process ID\n"),
        (
            &["--propagation", "sideways"],
            "nsrun: --propagation takes slave, shared, private or unchanged\n",
        ),
        (
            &["--setgroups=maybe"],
            "nsrun: --setgroups=maybe takes allow or deny\n",
        ),
        (
            &["--map-user=root"],
            "nsrun: --map-user=root needs a numeric ID\n",
        ),
        (
            &["--monotonic", "1.5"],
            "nsrun: --monotonic needs a whole number of seconds\n",
        ),
        (
            &["--kill-child=NOPE"],
            "nsrun: --kill-child=NOPE is not a signal name or number\n",
        ),
        (&["--fork=yes"], "nsrun: --fork=yes takes no value\n"),
        (&["--mount=/x"], "nsrun: --mount=/x takes no value\n"),
        (&["-mz"], "nsrun: -mz is not an option (see --help)\n"),
        (
            &["-r", "-c"],
            "nsrun: -c conflicts with another user mapping option\n",
        ),
    ];
    for (args, message) in cases {
        let output = nsrun(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&output), *message, "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version_go_to_stdout_with_status_0() {
    let help = nsrun(&["--help"]);
    assert!(help.status.success() && stdout(&help).starts_with("Usage: nsrun"));
    let version = nsrun(&["-V"]);
    assert_eq!(
        stdout(&version),
        format!("nsrun {} (nsclone)\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn without_a_program_it_runs_the_shell() {
    runs_programs!();
    let output = command()
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"echo from-the-shell\n")?;
            child.wait_with_output()
        });
    assert_eq!(stdout(&output.unwrap()), "from-the-shell\n");
}

/// The same command lines through util-linux `unshare --fork` and nsrun see the same.
#[test]
fn nsrun_and_util_linux_unshare_show_the_program_the_same_things() {
    needs_namespaces!();
    skip_if!(
        Command::new("unshare").arg("--version").output().is_err(),
        "util-linux unshare is not installed"
    );
    let cases: &[&[&str]] = &[
        &["-r", "--", "id", "-u"],
        &["-u", "--", "sh", "-c", "hostname same-name; cat /proc/sys/kernel/hostname"],
        &["-n", "--", "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"],
        &["-i", "--", "sh", "-c", "test \"$(readlink /proc/self/ns/ipc)\" != \"$(readlink /proc/1/ns/ipc)\" && echo new-ipc"],
        &["-m", "--", "sh", "-c", "grep -c ' / / ' /proc/self/mountinfo"],
    ];
    for args in cases {
        let ours = nsrun(args);
        let theirs = Command::new("unshare")
            .arg("--fork")
            .args(*args)
            .output()
            .unwrap();
        assert_eq!(
            stdout(&ours),
            stdout(&theirs),
            "{args:?}: {}",
            stderr(&ours)
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
    }
}

/// A program that prints `ready` and sleeps, in new namespaces made by
/// `args`; returns it and the pid of its program (nsrun's child).
fn holder(args: &[&str], uid: Option<u32>) -> (std::process::Child, String) {
    let mut command = command();
    command
        .args(args)
        .args(["--", "sh", "-c", "echo ready; exec sleep 100"])
        .stdout(Stdio::piped());
    if let Some(id) = uid {
        command.uid(id).gid(id);
    }
    let mut holder = command.spawn().unwrap();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    out.read_line(&mut String::new()).unwrap();
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", holder.id())).unwrap();
    let program = children.split_whitespace().next().unwrap().to_string();
    (holder, program)
}

#[test]
fn joining_refuses_every_option_that_would_change_the_joined_namespaces() {
    // Refused while parsing: no process is needed, and none is touched.
    let creating: &[&[&str]] = &[
        &["--hostname", "hijacked"],
        &["--mount-proc"],
        &["--mount-proc=/mnt"],
        &["--monotonic", "1000"],
        &["--boottime=5"],
        &["-r"],
        &["--map-root-user"],
        &["-c"],
        &["--map-user=0"],
        &["--map-group", "0"],
        &["--setgroups", "deny"],
        &["--propagation=slave"],
    ];
    for option in creating {
        for target in [&["-t", "1"][..], &["--target=1"][..]] {
            for args in [[*option, target].concat(), [target, *option].concat()] {
                let output = nsrun(&[&args[..], &["true"]].concat());
                let message = stderr(&output);
                assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
                assert!(
                    message.starts_with("nsrun: ")
                        && message.contains(option[0])
                        && message.contains(target[0])
                        && message.lines().count() == 1,
                    "{args:?} names both options: {message}"
                );
            }
        }
    }
}

#[test]
fn joining_changes_nothing_of_the_target() {
    needs_namespaces!();
    let (mut holder, program) = holder(&["-u", "-m", "--hostname", "kept"], None);
    let hostname = nsrun(&["-t", &program, "--hostname", "hijacked", "true"]);
    let mounts = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    let before = mounts(&program);
    let proc = nsrun(&["-t", &program, "--mount-proc", "true"]);
    let after = mounts(&program);
    let name = nsrun(&["-t", &program, "cat", "/proc/sys/kernel/hostname"]);
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(hostname.status.code(), Some(1), "{}", stderr(&hostname));
    assert_eq!(proc.status.code(), Some(1), "{}", stderr(&proc));
    assert_eq!(before, after, "no proc stacked on the target's /proc");
    assert_eq!(stdout(&name), "kept\n", "{}", stderr(&name));
}

/// `cat`s of the calling process's ID maps and setgroups, as the program sees them.
const SHOW_MAPS: &[&str] = &[
    "--",
    "sh",
    "-c",
    "echo uid:; cat /proc/self/uid_map; echo gid:; cat /proc/self/gid_map; \
     echo setgroups: $(cat /proc/self/setgroups); id -u; id -g",
];

#[test]
fn map_user_or_map_group_alone_maps_only_that_id_as_util_linux_does() {
    needs_namespaces!();
    let expected = |uid_line: &str, gid_line: &str, setgroups: &str, uid: &str, gid: &str| {
        format!("uid:\n{uid_line}gid:\n{gid_line}setgroups: {setgroups}\n{uid}\n{gid}\n")
    };
    let squeeze = |text: String| {
        text.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
            .collect::<String>()
    };
    let cases: [(&[&str], String); 3] = [
        (
            &["--map-user=1000"],
            expected("1000 0 1\n", "", "allow", "1000", "65534"),
        ),
        (
            &["--map-group=2000"],
            expected("", "2000 0 1\n", "deny", "65534", "2000"),
        ),
        (
            &["--map-user=7", "--map-group=8"],
            expected("7 0 1\n", "8 0 1\n", "deny", "7", "8"),
        ),
    ];
    for (options, want) in cases {
        let output = nsrun(&[options, SHOW_MAPS].concat());
        assert_eq!(
            squeeze(stdout(&output)),
            want,
            "{options:?}: {}",
            stderr(&output)
        );
    }
    if Command::new("unshare").arg("--version").output().is_ok() {
        for options in [&["--map-user=1000"][..], &["--map-group=2000"][..]] {
            let theirs = Command::new("unshare")
                .args(["--fork", "-U"])
                .args(options)
                .args(SHOW_MAPS)
                .output()
                .unwrap();
            let ours = nsrun(&[options, SHOW_MAPS].concat());
            assert_eq!(stdout(&ours), stdout(&theirs), "{options:?}");
        }
    }
}

#[test]
fn setgroups_allow_with_a_group_map_is_refused_as_util_linux_does() {
    for args in [
        &["-r", "--setgroups", "allow"][..],
        &["--setgroups=allow", "-c"][..],
        &["--map-group=0", "--setgroups", "allow"][..],
    ] {
        let output = nsrun(&[args, &["true"]].concat());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains("--setgroups") && stderr(&output).contains("exclusive"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn joining_a_user_namespace_switches_to_its_root_unless_preserving_credentials() {
    needs_namespaces!();
    // Made by nobody: its root is nobody outside, and our uid 0 is unmapped in it.
    let (mut holder, program) = holder(&["-U", "-r"], Some(common::NOBODY));
    let ids = &["--", "sh", "-c", "id -u; id -g"];
    let switched = nsrun(&[&["-t", &program, "-U"], &ids[..]].concat());
    let preserved = nsrun(&[&["-t", &program, "-U", "--preserve-credentials"], &ids[..]].concat());
    let theirs = Command::new("nsenter")
        .args(["-t", &program, "-U"])
        .args(ids)
        .output();
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(stdout(&switched), "0\n0\n", "{}", stderr(&switched));
    assert_eq!(
        stdout(&preserved),
        "65534\n65534\n",
        "{}",
        stderr(&preserved)
    );
    if let Ok(theirs) = theirs {
        assert_eq!(stdout(&switched), stdout(&theirs), "nsenter -U agrees");
    }
}

#[test]
fn a_failed_step_is_named_by_the_message() {
    needs_namespaces!();
    // Thirty years before boot: the kernel refuses a negative monotonic clock.
    let output = nsrun(&["--monotonic", "-999999999", "true"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "nsrun: entering a new time namespace with its offsets: ERANGE: \
         numerical result out of range\n"
    );
}

#[test]
fn an_empty_program_name_is_not_found_and_a_script_without_interpreter_runs_in_sh() {
    runs_programs!();
    let empty = nsrun(&[""]);
    assert_eq!(empty.status.code(), Some(127), "{}", stderr(&empty));
    assert!(stderr(&empty).contains("ENOENT"), "{}", stderr(&empty));
    let dir = std::env::temp_dir().join(format!("nsrun-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("no-interpreter");
    std::fs::write(&script, "echo ran by sh: $1\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let output = nsrun(&[script.to_str().unwrap(), "arg"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(stdout(&output), "ran by sh: arg\n", "{}", stderr(&output));
}
