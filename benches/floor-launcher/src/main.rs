//! The floor of `benches/whole_command.rs`: the least a launcher can do for
//! `nsrun -p -u -i -m --mount-proc -- PROGRAM`. One clone with the same
//! namespaces, and in the child, which is PID 1 of the new PID namespace:
//! private propagation, a new `/proc`, execve. No init, no option parsing,
//! no messages: the parent waits and exits with the child's code (1 for
//! any failure of its own). No libc, no allocation.
//!
//! `floor-launcher PROGRAM [ARGUMENTS...]`, PROGRAM a path (no PATH search).
#![no_std]
#![no_main]

use core::ffi::{c_char, c_int};
use linux_raw_sys::general as k;
use nsclone::sys::{exit_group, mount};
use nsclone::{execve, spawn, CStrArray, CloneFlags, ExitStatus, StaticStack};

nsclone::entry_point!(main);
nsclone::libc_shims!();

static CHILD_STACK: StaticStack<{ 64 * 1024 }> = StaticStack::new();

extern "C" fn main(sp: *const usize) -> ! {
    // SAFETY: `_start` passes the kernel's initial stack: argc, argv's
    // pointers and a null, then envp's and a null.
    let (argv, envp) = unsafe {
        let argc = *sp;
        let argv = sp.add(1).cast::<*const c_char>();
        let envp = argv.add(argc + 1);
        let mut envc = 0;
        while !(*envp.add(envc)).is_null() {
            envc += 1;
        }
        (
            core::slice::from_raw_parts(argv.add(1), argc),
            core::slice::from_raw_parts(envp, envc + 1),
        )
    };
    let flags = CloneFlags::NEWPID | CloneFlags::NEWUTS | CloneFlags::NEWIPC | CloneFlags::NEWNS;
    let Some(stack) = CHILD_STACK.take() else {
        exit_group(1)
    };
    // SAFETY: no C library is linked; the child makes raw syscalls only, a
    // few frames deep on a 64 KiB stack.
    let child = unsafe { spawn(flags, stack, || program(argv, envp)) };
    match child.map(|mut child| child.wait()) {
        Ok(Ok(ExitStatus::Exited(code))) => exit_group(code),
        _ => exit_group(1),
    }
}

/// In the child: the mounts `--mount-proc` makes, then the program.
fn program(argv: &[*const c_char], envp: &[*const c_char]) -> c_int {
    let private = k::MS_REC | k::MS_PRIVATE;
    let proc_flags = k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC;
    let mounted = mount(None, c"/", None, private, None)
        .and_then(|()| mount(Some(c"proc"), c"/proc", Some(c"proc"), proc_flags, None));
    // SAFETY: both are the kernel's null-terminated arrays of strings,
    // alive for the process.
    let arrays = unsafe { (CStrArray::from_ptrs(argv), CStrArray::from_ptrs(envp)) };
    if let (Ok(()), (Ok(argv), Ok(envp))) = (mounted, arrays) {
        if let Some(path) = argv.iter().next() {
            execve(path, argv, envp);
        }
    }
    127
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_group(1)
}
