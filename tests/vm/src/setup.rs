//! What the machine needs before the cases: /dev (with ptys), /proc, /sys, a cgroup2
//! hierarchy with the runner in a child cgroup (so a cgroup namespace's
//! root differs from the runner's view), a hostname, loopback up (a new
//! network namespace's is down) and a System V queue (a new IPC namespace
//! lacks it). /tmp stays the initramfs's own: a clone under /tmp has
//! its nsrun and fuzz corpus there, at the paths compiled into the tests.

use crate::cases::Outcome;
use crate::{ensure, sys};

/// The hostname of the machine; children in a UTS namespace change theirs.
pub const HOSTNAME: &[u8] = b"nsclone-vm";
/// The runner's cgroup, below the cgroup2 root.
pub const CGROUP: &[u8] = b"/nsclone-vm";
/// The key of the runner's System V message queue.
pub const IPC_KEY: i32 = 0x6e73;

const MS_NOSUID: u32 = 2;
const MS_NODEV: u32 = 4;
const MS_NOEXEC: u32 = 8;

pub fn machine() -> Outcome {
    let flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    let mounts = [
        (c"/dev", c"devtmpfs", MS_NOSUID | MS_NOEXEC),
        (c"/dev/pts", c"devpts", MS_NOSUID | MS_NOEXEC),
        (c"/proc", c"proc", flags),
        (c"/sys", c"sysfs", flags),
        (c"/sys/fs/cgroup", c"cgroup2", flags),
    ];
    for (dir, fstype, flags) in mounts {
        let made =
            sys::mkdir(dir).and_then(|()| sys::mount(Some(fstype), dir, Some(fstype), flags, None));
        ensure!(made.is_ok(), "mount {fstype:?} on {dir:?}: {:?}", made);
    }
    let cgroup = sys::mkdir(c"/sys/fs/cgroup/nsclone-vm")
        .and_then(|()| sys::write_file(c"/sys/fs/cgroup/nsclone-vm/cgroup.procs", b"1"));
    ensure!(
        cgroup.is_ok(),
        "move into the cgroup nsclone-vm: {:?}",
        cgroup
    );
    ensure!(sys::mkdir(c"/mnt").is_ok(), "mkdir /mnt");
    let named = sys::sethostname(HOSTNAME);
    ensure!(named.is_ok(), "sethostname: {:?}", named);
    let lo = sys::loopback_flags(sys::IFF_UP);
    ensure!(
        lo.is_ok_and(|f| f & sys::IFF_UP != 0),
        "bring lo up: {:?}",
        lo
    );
    let queue = sys::msgget(IPC_KEY, sys::IPC_CREAT | 0o600);
    ensure!(queue.is_ok(), "msgget: {:?}", queue);
    Ok(())
}
