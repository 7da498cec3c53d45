//! An nsenter-like join: run a program in another process's namespaces,
//! entered all at once through a pidfd.
//!
//! ```sh
//! cargo run --example join -- PID [mnt,uts,ipc,net,pid,user,cgroup,time] -- program args...
//! ```
//! Without a namespace list it joins every namespace that differs from ours.

use nsclone::{ns_id, pidfd_open, setns, spawn, CloneFlags, ExitStatus, MmapStack, Namespace};
use std::os::unix::process::CommandExt;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: join PID [namespaces] -- program [args...]");
        std::process::exit(2)
    };
    let pid: i32 = args
        .first()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| usage());
    let dashes = args
        .iter()
        .position(|a| a == "--")
        .unwrap_or_else(|| usage());
    let program = args
        .get(dashes + 1..)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| usage());
    let kinds = match args.get(1).filter(|_| dashes > 1) {
        Some(list) => list.parse::<CloneFlags>().unwrap_or_else(|err| {
            eprintln!("join: {err}");
            std::process::exit(2)
        }),
        // The namespaces that differ from ours: joining our own user namespace is EINVAL.
        None => Namespace::ALL
            .into_iter()
            .filter(|&ns| ns_id(pid, ns).is_ok() && ns_id(pid, ns) != ns_id(0, ns))
            .fold(CloneFlags::empty(), |kinds, ns| kinds | ns.flag()),
    };

    let pidfd = pidfd_open(pid).unwrap_or_else(|err| fail("cannot open the process", err));
    setns(&pidfd, kinds).unwrap_or_else(|err| fail("cannot join its namespaces", err));
    // A joined PID namespace applies to children: run the program in one.
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    // SAFETY: the example is single-threaded; the child execs, or prints
    // and returns, neither panicking nor calling the C library's
    // thread-directed functions.
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
            let err = std::process::Command::new(&program[0])
                .args(&program[1..])
                .exec();
            eprintln!("join: cannot run {}: {err}", program[0]);
            127
        })
    }
    .unwrap_or_else(|err| fail("cannot start the program", err));
    std::process::exit(match child.wait() {
        Ok(ExitStatus::Exited(code)) => code,
        Ok(ExitStatus::Signaled(signal)) => 128 + signal,
        Err(err) => fail("cannot wait", err),
    });
}

fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    eprintln!("join: {what}: {err}");
    std::process::exit(1)
}
