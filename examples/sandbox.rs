//! A minimal sandbox: new user, PID, mount, network and UTS namespaces, a
//! fresh /proc, then a program (a shell by default) as root inside.
//!
//! ```sh
//! cargo run --features std --example sandbox               # an interactive shell
//! cargo run --features std --example sandbox -- ps -e      # or any program
//! ```
//! Works unprivileged where the kernel allows user namespaces. The child's
//! work is `Setup` data, run by the crate: no `unsafe`.

use nsclone::{
    CStrings, CloneFlags, ExitStatus, MmapStack, Mount, Setup, Signal, Spawn, EXEC_STACK,
};

fn main() {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        args.push("sh".into());
    }
    let argv = CStrings::new(&args).expect("an argument without NUL");
    // The caller's environment, PATH included, for the program and its search.
    let envp = CStrings::current_environment();

    // Nothing mounted inside leaks out; /proc shows only the sandbox's processes.
    let mounts = [Mount::private(c"/"), Mount::proc(c"/proc")];
    // The program is PID 1 of its namespace, which no signal without a
    // handler ends: it would outlive a killed sandbox but for this.
    let setup = Setup::new()
        .mounts(&mounts)
        .hostname(b"sandbox")
        .parent_death_signal(Signal::KILL);
    let flags = CloneFlags::NEWUSER
        | CloneFlags::NEWPID
        | CloneFlags::NEWNS
        | CloneFlags::NEWNET
        | CloneFlags::NEWUTS;
    let mut stack = MmapStack::new(4 * EXEC_STACK).expect("a child stack");
    let started = Spawn::new(flags).map_root_user().setup(&setup).exec(
        stack.as_mut_slice(),
        &argv.strings()[0],
        argv.as_array(),
        envp.as_array(),
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
