//! A minimal sandbox: new user, PID, mount, network and UTS namespaces, a
//! fresh /proc, then a program (a shell by default) as root inside.
//!
//! ```sh
//! cargo run --example sandbox                     # an interactive shell
//! cargo run --example sandbox -- ps -e            # or any program
//! ```
//! Works unprivileged where the kernel allows user namespaces.

use nsclone::{execve, CStrArray, CloneFlags, ExitStatus, MmapStack, Spawn};
use std::ffi::{c_char, CString};
use std::io::Write;

fn main() {
    let args: Vec<CString> = std::env::args()
        .skip(1)
        .map(|a| CString::new(a).unwrap())
        .collect();
    let program = match args.first() {
        Some(_) => args.clone(),
        None => vec![CString::new("/bin/sh").unwrap()],
    };
    let strings: Vec<&std::ffi::CStr> = program.iter().map(CString::as_c_str).collect();
    let mut argv_buf: Vec<*const c_char> = vec![std::ptr::null(); strings.len() + 1];
    let argv = CStrArray::new(&strings, &mut argv_buf).unwrap();
    let path = CString::new(find_on_path(&program[0])).unwrap();

    let flags = CloneFlags::NEWUSER
        | CloneFlags::NEWPID
        | CloneFlags::NEWNS
        | CloneFlags::NEWNET
        | CloneFlags::NEWUTS;
    let mut stack = MmapStack::new(1024 * 1024).expect("a child stack");
    // SAFETY: the example is single-threaded, so the child may use std's
    // locks and allocator; it cannot panic (write errors are ignored), and
    // calls none of the C library's functions that act on "the current
    // thread" by a cached ID, which would reach this process's thread.
    let child = unsafe {
        Spawn::new(flags)
            .map_root_user()
            .spawn(stack.as_mut_slice(), || {
                let mut stderr = std::io::stderr();
                if let Err(err) = private_proc() {
                    let _ = writeln!(stderr, "sandbox: cannot mount /proc: {err}");
                    return 1;
                }
                let _ = std::fs::write("/proc/sys/kernel/hostname", "sandbox");
                let err = execve(&path, argv, CStrArray::empty());
                let shown = path.to_string_lossy();
                let _ = writeln!(stderr, "sandbox: cannot run {shown}: {err}");
                127
            })
    };
    let status = match child {
        Ok(child) => child.wait().expect("wait for the sandbox"),
        Err(err) => {
            let cause = nsclone::user_namespace_refusal_cause().unwrap_or("");
            eprintln!("sandbox: cannot create namespaces: {err} {cause}");
            std::process::exit(1);
        }
    };
    std::process::exit(match status {
        ExitStatus::Exited(code) => code,
        ExitStatus::Signaled(signal) => 128 + signal,
    });
}

/// Makes every mount private (nothing leaks out) and mounts a fresh /proc,
/// which shows only the sandbox's processes.
fn private_proc() -> Result<(), nsclone::Errno> {
    use linux_raw_sys::general::{MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC};
    use nsclone::sys::mount;
    mount(Some(c"none"), c"/", None, MS_REC | MS_PRIVATE, None)?;
    mount(
        Some(c"proc"),
        c"/proc",
        Some(c"proc"),
        MS_NOSUID | MS_NODEV | MS_NOEXEC,
        None,
    )
}

/// The program's path: as given if it has a `/`, else the first match on PATH.
fn find_on_path(program: &CString) -> String {
    let name = program.to_string_lossy().into_owned();
    if name.contains('/') {
        return name;
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    path.split(':')
        .map(|dir| format!("{dir}/{name}"))
        .find(|candidate| std::path::Path::new(candidate).exists())
        .unwrap_or(name)
}
