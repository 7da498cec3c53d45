//! The kernel's values, written out from reference/kernel-rules.md rather
//! than taken from the crate, so a wrong constant in the crate shows up.

pub const NEWTIME: u64 = 0x80;
pub const VM: u64 = 0x100;
pub const FS: u64 = 0x200;
pub const SIGHAND: u64 = 0x800;
pub const PIDFD: u64 = 0x1000;
pub const PARENT: u64 = 0x8000;
pub const THREAD: u64 = 0x1_0000;
pub const NEWNS: u64 = 0x2_0000;
pub const SYSVSEM: u64 = 0x4_0000;
pub const PARENT_SETTID: u64 = 0x10_0000;
pub const DETACHED: u64 = 0x40_0000;
pub const NEWIPC: u64 = 0x800_0000;
pub const NEWUSER: u64 = 0x1000_0000;
pub const NEWPID: u64 = 0x2000_0000;
pub const CLEAR_SIGHAND: u64 = 1 << 32;
/// The flags legacy clone sees: bits 8..=31 (the low byte is the exit signal).
pub const CLONE_SEEN: u64 = 0xffff_ff00;
/// Every namespace type, setns's `nstype` bits.
pub const NAMESPACES: u64 = 0x7e02_0080;
/// unshare's known flags (US-1).
pub const UNSHARE_KNOWN: u64 = 0x7e07_0f80;
/// clone3's known flags on 6.x (C3-10).
pub const CLONE3_KNOWN: u64 = 0xffff_ffff | 3 << 32;
/// clone3's forbidden bits (C3-11): DETACHED and the exit-signal byte but NEWTIME.
pub const CLONE3_FORBIDDEN: u64 = 0x0040_007f;
/// The clone3 bits 7.1 adds (AUTOREAP, NNP, PIDFD_AUTOKILL, EMPTY_MNTNS).
pub const CLONE3_7_1: u64 = 0xf << 34;
/// The unshare bit 7.1 adds (UNSHARE_EMPTY_MNTNS, PARENT_SETTID's value).
pub const UNSHARE_7_1: u64 = 0x10_0000;
/// `_NSIG` on x86 and arm: the largest clone3 exit signal.
pub const MAX_EXIT_SIGNAL: u64 = 64;

/// The `CLONE_*` values from the kernel's uapi headers, by crate name.
pub const NAMED: &[(&str, u64)] = &[
    ("CLONE_NEWTIME", 0x80),
    ("CLONE_VM", 0x100),
    ("CLONE_FS", 0x200),
    ("CLONE_FILES", 0x400),
    ("CLONE_SIGHAND", 0x800),
    ("CLONE_PIDFD", 0x1000),
    ("CLONE_PTRACE", 0x2000),
    ("CLONE_VFORK", 0x4000),
    ("CLONE_PARENT", 0x8000),
    ("CLONE_THREAD", 0x1_0000),
    ("CLONE_NEWNS", 0x2_0000),
    ("CLONE_SYSVSEM", 0x4_0000),
    ("CLONE_SETTLS", 0x8_0000),
    ("CLONE_PARENT_SETTID", 0x10_0000),
    ("CLONE_CHILD_CLEARTID", 0x20_0000),
    ("CLONE_DETACHED", 0x40_0000),
    ("CLONE_UNTRACED", 0x80_0000),
    ("CLONE_CHILD_SETTID", 0x100_0000),
    ("CLONE_NEWCGROUP", 0x200_0000),
    ("CLONE_NEWUTS", 0x400_0000),
    ("CLONE_NEWIPC", 0x800_0000),
    ("CLONE_NEWUSER", 0x1000_0000),
    ("CLONE_NEWPID", 0x2000_0000),
    ("CLONE_NEWNET", 0x4000_0000),
    ("CLONE_IO", 0x8000_0000),
    ("CLONE_CLEAR_SIGHAND", 1 << 32),
    ("CLONE_INTO_CGROUP", 1 << 33),
];
