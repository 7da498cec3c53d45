//! An unprivileged container: new user, PID, mount, UTS, IPC, network and
//! cgroup namespaces with the caller mapped to root inside; a `tmpfs`
//! root holding read-only binds of the host's `/usr` (and `/bin`, `/sbin`,
//! `/lib*` as they are: directories bound, links remade), a fresh `/proc`
//! and a minimal `/dev`; `pivot_root` into it; a hostname; every
//! capability dropped, no new privileges, a seccomp filter; stdio passed
//! through; then the command line given (a shell by default).
//!
//! ```sh
//! cargo run --example container                   # an interactive shell
//! cargo run --example container -- ls -l /        # or any program
//! ```
//! All of it is `Setup` data, run by the crate's own child code: no
//! `unsafe`, and the same from a threaded parent.

use nsclone::{
    CStrArray, Capabilities, CloneFlags, Fd, MmapStack, Mount, Setup, SockFilter, Spawn, EXEC_STACK,
};
use std::ffi::{c_char, CStr, CString};
use std::os::unix::ffi::OsStrExt;

/// Where the new root is built, in the container's mount namespace only.
const ROOT: &str = "/tmp";

/// The device nodes bound from the host into the container's `/dev`.
const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

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
    let env_vars = [
        c"PATH=/usr/bin:/bin:/usr/sbin:/sbin",
        c"HOME=/",
        c"TERM=xterm",
    ];
    let mut env_buf = [std::ptr::null::<c_char>(); 4];
    let envp = CStrArray::new(&env_vars, &mut env_buf).expect("room for envp");

    let paths = RootPaths::new();
    let mounts = paths.mounts();
    let filter = seccomp_filter();
    let stdio = [Fd::copy(0, 0), Fd::copy(1, 1), Fd::copy(2, 2)];
    let setup = Setup::new()
        .hostname(b"container")
        .mounts(&mounts)
        .pivot_root(c(ROOT))
        .current_dir(c"/")
        .capabilities(Capabilities::NONE)
        .no_new_privs()
        .fds(&stdio)
        .close_other_fds(&[])
        .seccomp(&filter);
    let flags = CloneFlags::NEWUSER
        | CloneFlags::NEWPID
        | CloneFlags::NEWNS
        | CloneFlags::NEWUTS
        | CloneFlags::NEWIPC
        | CloneFlags::NEWNET
        | CloneFlags::NEWCGROUP;
    let mut stack = MmapStack::new(4 * EXEC_STACK).expect("a child stack");
    let started = Spawn::new(flags).map_root_user().setup(&setup).exec(
        stack.as_mut_slice(),
        strings[0],
        argv,
        envp,
    );
    let mut child = match started {
        Ok(child) => child,
        Err(err) => {
            let cause = nsclone::user_namespace_refusal_cause().unwrap_or("");
            eprintln!("container: {err} {cause}");
            std::process::exit(125);
        }
    };
    match child.wait().expect("wait for the container") {
        nsclone::ExitStatus::Exited(code) => std::process::exit(code),
        nsclone::ExitStatus::Signaled(signal) => std::process::exit(128 + signal),
    }
}

/// `text` as a C string for the life of the program.
fn c(text: impl Into<Vec<u8>>) -> &'static CStr {
    Box::leak(
        CString::new(text)
            .expect("a path without NUL")
            .into_boxed_c_str(),
    )
}

/// The paths of the root's mounts, owned here, which the mounts borrow.
struct RootPaths {
    /// The host's top-level directories to bind, and where.
    binds: Vec<(&'static CStr, &'static CStr)>,
    /// The host's top-level links to remake: target and link.
    links: Vec<(&'static CStr, &'static CStr)>,
    /// The device nodes: the host's and the container's.
    devices: Vec<(&'static CStr, &'static CStr)>,
}

impl RootPaths {
    fn new() -> RootPaths {
        let mut names: Vec<String> = std::fs::read_dir("/")
            .expect("read /")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| {
                ["usr", "bin", "sbin"].contains(&name.as_str()) || name.starts_with("lib")
            })
            .collect();
        names.sort();
        let (mut binds, mut links) = (Vec::new(), Vec::new());
        for name in names {
            let inside = c(format!("{ROOT}/{name}"));
            match std::fs::read_link(format!("/{name}")) {
                Ok(target) => links.push((c(target.as_os_str().as_bytes()), inside)),
                Err(_) => binds.push((c(format!("/{name}")), inside)),
            }
        }
        let devices = DEVICES
            .iter()
            .map(|name| (c(format!("/dev/{name}")), c(format!("{ROOT}/dev/{name}"))))
            .collect();
        RootPaths {
            binds,
            links,
            devices,
        }
    }

    /// In order: nothing propagates back to the host, the tmpfs root, its
    /// binds and links, /proc, /dev with its nodes and links.
    fn mounts(&self) -> Vec<Mount<'static>> {
        let mut mounts = vec![
            Mount::private(c"/"),
            Mount::tmpfs(c(ROOT), Some(c"mode=0755")),
        ];
        for &(host, inside) in &self.binds {
            mounts.push(Mount::dir(inside, 0o755));
            mounts.push(Mount::bind_read_only(host, inside));
        }
        for &(target, link) in &self.links {
            mounts.push(Mount::symlink(target, link));
        }
        mounts.push(Mount::dir(c(format!("{ROOT}/proc")), 0o555));
        mounts.push(Mount::proc(c(format!("{ROOT}/proc"))));
        mounts.push(Mount::dir(c(format!("{ROOT}/dev")), 0o755));
        for &(host, inside) in &self.devices {
            mounts.push(Mount::file(inside, 0o666));
            mounts.push(Mount::bind(host, inside));
        }
        for (target, link) in [
            ("/proc/self/fd", "fd"),
            ("/proc/self/fd/0", "stdin"),
            ("/proc/self/fd/1", "stdout"),
            ("/proc/self/fd/2", "stderr"),
        ] {
            mounts.push(Mount::symlink(c(target), c(format!("{ROOT}/dev/{link}"))));
        }
        mounts
    }
}

/// A seccomp filter: the kernel keyring and `ptrace` answer `EPERM`, a
/// foreign architecture or ABI (x32) kills the process, the rest is
/// allowed.
fn seccomp_filter() -> Vec<SockFilter> {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const JGE_K: u16 = 0x35;
    const RET_K: u16 = 0x06;
    const RET_KILL_PROCESS: u32 = 0x8000_0000;
    const RET_ERRNO_EPERM: u32 = 0x0005_0000 | 1;
    const RET_ALLOW: u32 = 0x7fff_0000;
    #[cfg(target_arch = "x86_64")]
    const ARCH: u32 = 0xc000_003e;
    #[cfg(target_arch = "aarch64")]
    const ARCH: u32 = 0xc000_00b7;
    #[cfg(target_arch = "riscv64")]
    const ARCH: u32 = 0xc000_00f3;
    use linux_raw_sys::general as k;
    let denied = [
        k::__NR_add_key,
        k::__NR_keyctl,
        k::__NR_request_key,
        k::__NR_ptrace,
    ];
    let op = |code, jt, jf, k| SockFilter { code, jt, jf, k };
    let mut filter = vec![
        // seccomp_data.arch, at byte 4: kill a foreign one.
        op(LD_W_ABS, 0, 0, 4),
        op(JEQ_K, 1, 0, ARCH),
        op(RET_K, 0, 0, RET_KILL_PROCESS),
        // seccomp_data.nr, at byte 0: x32's numbers have bit 30 set.
        op(LD_W_ABS, 0, 0, 0),
        op(JGE_K, 0, 1, 0x4000_0000),
        op(RET_K, 0, 0, RET_KILL_PROCESS),
    ];
    for (i, &nr) in denied.iter().enumerate() {
        // Jump to the EPERM return after the remaining tests and the allow.
        let to_deny = (denied.len() - i) as u8;
        filter.push(op(JEQ_K, to_deny, 0, nr));
    }
    filter.push(op(RET_K, 0, 0, RET_ALLOW));
    filter.push(op(RET_K, 0, 0, RET_ERRNO_EPERM));
    filter
}
