//! Every namespace kind through `spawn`, once as `Spawn` picks the syscall
//! (legacy clone unless the request needs clone3) and once through clone3
//! with a pidfd: the child observes its namespaces from inside, and the
//! parent checks that nothing leaked out.

use crate::cases::{Outcome, Tally};
use crate::out::Line;
use crate::setup::{CGROUP, HOSTNAME, IPC_KEY};
use crate::{ensure, fail, sys};
use core::ffi::{c_int, CStr};
use nsclone::{ns_id, CloneFlags, Errno, ExitStatus, MmapStack, Namespace, Spawn, TimeOffset};

/// The hostname a child in a new UTS namespace sets.
const CHILD_HOSTNAME: &[u8] = b"nsclone-child";
/// A file a child in a new mount namespace makes on its own tmpfs.
const MARKER: &CStr = c"/mnt/made-inside";
/// How far ahead a new time namespace's CLOCK_MONOTONIC runs.
const MONOTONIC_AHEAD_S: i64 = 1000;

/// Which path creates the child.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Via {
    /// `Spawn` as is: legacy clone unless the request needs clone3.
    Spawn,
    /// `Spawn::pidfd(true)`: clone3, waited for through the pidfd.
    Clone3Pidfd,
}

pub fn run(tally: &mut Tally) {
    for via in [Via::Spawn, Via::Clone3Pidfd] {
        for ns in Namespace::ALL {
            tally.run(
                format_args!("{} namespace, {via:?}", ns.proc_name()),
                || observe(ns.flag(), via),
            );
        }
        tally.run(format_args!("all namespaces at once, {via:?}"), || {
            observe(CloneFlags::ALL_NAMESPACES, via)
        });
    }
}

/// What the parent saw before the spawn.
#[derive(Copy, Clone)]
struct Outside {
    /// The runner's namespace ids, in `Namespace::ALL` order.
    ids: [u64; 8],
    monotonic_ns: i64,
}

fn observe(flags: CloneFlags, via: Via) -> Outcome {
    let mut ids = [0; 8];
    for (id, ns) in ids.iter_mut().zip(Namespace::ALL) {
        match ns_id(0, ns) {
            Ok(own) => *id = own,
            Err(err) => fail!("ns_id of the runner's {}: {err}", ns.proc_name()),
        }
    }
    let mut request = Spawn::new(flags).pidfd(via == Via::Clone3Pidfd);
    if flags.contains(CloneFlags::NEWUSER) {
        request = request.map_root_user();
    }
    if flags.contains(CloneFlags::NEWTIME) {
        let ahead = TimeOffset::from_secs(MONOTONIC_AHEAD_S);
        request = request.time_offsets(ahead, TimeOffset::ZERO);
    }
    // With offsets the child makes its time namespace itself: legacy clone
    // serves unless a pidfd is asked for.
    let expected = match via {
        Via::Spawn => nsclone::Syscall::Clone,
        Via::Clone3Pidfd => nsclone::Syscall::Clone3,
    };
    ensure!(
        request.syscall() == expected,
        "Spawn would use {:?}, expected {expected:?}",
        request.syscall()
    );
    let Ok(mut stack) = MmapStack::new(256 * 1024) else {
        fail!("mmap a stack")
    };
    let outside = Outside {
        ids,
        monotonic_ns: sys::monotonic_ns(),
    };
    // SAFETY: the runner links no C library; `inside` makes raw syscalls only.
    let mut child =
        match unsafe { request.spawn(stack.as_mut_slice(), move || inside(flags, &outside)) } {
            Ok(child) => child,
            Err(err) => fail!("spawn: {err}"),
        };
    ensure!(
        child.pidfd().is_some() == (via == Via::Clone3Pidfd),
        "pidfd present: {}",
        child.pidfd().is_some()
    );
    match child.wait() {
        Ok(ExitStatus::Exited(0)) => {}
        Ok(ExitStatus::Exited(code)) => fail!("inside: {}", what_failed(code).as_str()),
        Ok(status) => fail!("child ended {status:?}"),
        Err(err) => fail!("wait: {err}"),
    }
    leaked_nothing()
}

/// The child's exit status for "namespace `i` of `Namespace::ALL` has the
/// wrong identity" and "its fact does not hold".
const WRONG_ID: c_int = 10;
const WRONG_FACT: c_int = 20;

/// What a child's exit status says failed.
fn what_failed(code: c_int) -> Line {
    let kind = |base: c_int| Namespace::ALL.get((code - base) as usize).copied();
    match (kind(WRONG_ID), kind(WRONG_FACT)) {
        (Some(ns), _) if code < WRONG_FACT => {
            Line::new(format_args!("{} namespace new iff asked", ns.proc_name()))
        }
        (_, Some(ns)) => Line::new(format_args!("{}", fact(ns))),
        _ => Line::new(format_args!("exit status {code}")),
    }
}

/// The fact a new namespace of kind `ns` shows its child.
fn fact(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Mount => "mnt: a tmpfs of its own on /mnt",
        Namespace::Uts => "uts: a hostname of its own",
        Namespace::Ipc => "ipc: the runner's message queue absent",
        Namespace::Net => "net: a loopback that is down",
        Namespace::Pid => "pid: pid 1",
        Namespace::User => "user: uid 0, mapped to one id",
        Namespace::Cgroup => "cgroup: its cgroup is the root",
        Namespace::Time => "time: CLOCK_MONOTONIC 1000 s ahead",
    }
}

/// In the child: every namespace kind new exactly when asked for, and each
/// new one's fact.
fn inside(flags: CloneFlags, outside: &Outside) -> c_int {
    for (i, ns) in Namespace::ALL.into_iter().enumerate() {
        let new = flags.contains(ns.flag());
        let ok = ns_id(0, ns).is_ok_and(|id| (id != outside.ids[i]) == new);
        if !ok {
            return WRONG_ID + i as c_int;
        }
        if new && !fact_holds(ns, outside) {
            return WRONG_FACT + i as c_int;
        }
    }
    0
}

fn fact_holds(ns: Namespace, outside: &Outside) -> bool {
    let mut buf = [0u8; 128];
    match ns {
        Namespace::Mount => {
            sys::mount(Some(c"tmpfs"), c"/mnt", Some(c"tmpfs"), 0, None).is_ok()
                && sys::write_file(MARKER, b"inside").is_ok()
                && sys::exists(MARKER)
        }
        Namespace::Uts => {
            sys::sethostname(CHILD_HOSTNAME).is_ok() && sys::nodename_is(CHILD_HOSTNAME)
        }
        Namespace::Ipc => sys::msgget(IPC_KEY, 0) == Err(Errno::ENOENT),
        Namespace::Net => sys::loopback_flags(0).is_ok_and(|f| f & sys::IFF_UP == 0),
        Namespace::Pid => sys::getpid() == 1,
        Namespace::User => {
            let len = sys::read_file(c"/proc/self/uid_map", &mut buf).unwrap_or(0);
            let map = &buf[..len];
            let mut fields = map.split(u8::is_ascii_whitespace).filter(|f| !f.is_empty());
            sys::getuid() == 0
                && fields.next() == Some(b"0")
                && fields.next() == Some(b"0")
                && fields.next() == Some(b"1")
                && fields.next().is_none()
        }
        Namespace::Cgroup => {
            sys::read_file(c"/proc/self/cgroup", &mut buf).is_ok_and(|n| &buf[..n] == b"0::/\n")
        }
        Namespace::Time => {
            let ahead = sys::monotonic_ns() - outside.monotonic_ns;
            let s = 1_000_000_000;
            (MONOTONIC_AHEAD_S * s..(MONOTONIC_AHEAD_S + 60) * s).contains(&ahead)
        }
    }
}

/// In the parent, after the child: its hostname, mounts, queue and cgroup
/// are as before.
fn leaked_nothing() -> Outcome {
    ensure!(sys::nodename_is(HOSTNAME), "the runner's hostname changed");
    ensure!(
        !sys::exists(MARKER),
        "the child's mount is visible to the runner"
    );
    ensure!(
        sys::msgget(IPC_KEY, 0).is_ok(),
        "the runner's queue is gone"
    );
    let mut buf = [0u8; 64];
    let len = sys::read_file(c"/proc/self/cgroup", &mut buf).unwrap_or(0);
    let cgroup = &buf[..len];
    ensure!(
        cgroup
            .strip_prefix(b"0::")
            .and_then(|c| c.strip_suffix(b"\n"))
            == Some(CGROUP),
        "the runner's cgroup is not {CGROUP:?}"
    );
    Ok(())
}
