//! A minimal sandbox: new user, PID, mount, network and UTS namespaces, a
//! fresh /proc, then a program (a shell by default) as root inside.
//!
//! ```sh
//! cargo run --example sandbox                     # an interactive shell
//! cargo run --example sandbox -- ps -e            # or any program
//! ```
//! Works unprivileged where the kernel allows user namespaces. The child's
//! work is `Setup` data, run by the crate: no `unsafe`.

use nsclone::{CStrArray, CloneFlags, ExitStatus, MmapStack, Mount, Setup, Spawn, EXEC_STACK};
use std::ffi::{c_char, CStr, CString};
use std::os::unix::ffi::OsStrExt;

fn main() {
    let args: Vec<CString> = std::env::args_os()
        .skip(1)
        .map(|arg| CString::new(arg.as_bytes()).expect("an argument without NUL"))
        .collect();
    let program = if args.is_empty() {
        vec![CString::from(c"sh")]
    } else {
        args
    };
    let strings: Vec<&CStr> = program.iter().map(CString::as_c_str).collect();
    let mut argv_buf = vec![std::ptr::null::<c_char>(); strings.len() + 1];
    let argv = CStrArray::new(&strings, &mut argv_buf).expect("room for argv");
    // The caller's environment, PATH included, for the program and its search.
    let env: Vec<CString> = std::env::vars_os()
        .map(|(name, value)| {
            let mut entry = name.as_bytes().to_vec();
            entry.push(b'=');
            entry.extend_from_slice(value.as_bytes());
            CString::new(entry).expect("a variable without NUL")
        })
        .collect();
    let env: Vec<&CStr> = env.iter().map(CString::as_c_str).collect();
    let mut env_buf = vec![std::ptr::null::<c_char>(); env.len() + 1];
    let envp = CStrArray::new(&env, &mut env_buf).expect("room for envp");

    // Nothing mounted inside leaks out; /proc shows only the sandbox's processes.
    let mounts = [Mount::private(c"/"), Mount::proc(c"/proc")];
    let setup = Setup::new().mounts(&mounts).hostname(b"sandbox");
    let flags = CloneFlags::NEWUSER
        | CloneFlags::NEWPID
        | CloneFlags::NEWNS
        | CloneFlags::NEWNET
        | CloneFlags::NEWUTS;
    let mut stack = MmapStack::new(4 * EXEC_STACK).expect("a child stack");
    let started = Spawn::new(flags).map_root_user().setup(&setup).exec(
        stack.as_mut_slice(),
        strings[0],
        argv,
        envp,
    );
    let status = match started {
        Ok(mut child) => child.wait().expect("wait for the sandbox"),
        Err(err) => {
            let cause = nsclone::user_namespace_refusal_cause().unwrap_or("");
            eprintln!("sandbox: {err} {cause}");
            std::process::exit(1);
        }
    };
    std::process::exit(match status {
        ExitStatus::Exited(code) => code,
        ExitStatus::Signaled(signal) => 128 + signal,
    });
}
