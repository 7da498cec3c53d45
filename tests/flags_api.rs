//! `CloneFlags` has bitflags 2's API with its meanings: each method and
//! operator is checked against its definition on the raw bits, over every
//! named flag and values with unknown bits; the names and number formats
//! are checked to the letter. `Namespace` prints its `/proc` name and parses
//! every name util-linux takes for it, as `CloneFlags` parses them.

use nsclone::{CloneFlags, Namespace, ParseNamespaceError};

/// Every flag with its constant's name and its value in the kernel's
/// headers (`include/uapi/linux/sched.h`), in bit order.
const KERNEL: [(&str, CloneFlags, u64); 27] = [
    ("NEWTIME", CloneFlags::NEWTIME, 0x80),
    ("VM", CloneFlags::VM, 0x100),
    ("FS", CloneFlags::FS, 0x200),
    ("FILES", CloneFlags::FILES, 0x400),
    ("SIGHAND", CloneFlags::SIGHAND, 0x800),
    ("PIDFD", CloneFlags::PIDFD, 0x1000),
    ("PTRACE", CloneFlags::PTRACE, 0x2000),
    ("VFORK", CloneFlags::VFORK, 0x4000),
    ("PARENT", CloneFlags::PARENT, 0x8000),
    ("THREAD", CloneFlags::THREAD, 0x10000),
    ("NEWNS", CloneFlags::NEWNS, 0x20000),
    ("SYSVSEM", CloneFlags::SYSVSEM, 0x40000),
    ("SETTLS", CloneFlags::SETTLS, 0x80000),
    ("PARENT_SETTID", CloneFlags::PARENT_SETTID, 0x100000),
    ("CHILD_CLEARTID", CloneFlags::CHILD_CLEARTID, 0x200000),
    ("DETACHED", CloneFlags::DETACHED, 0x400000),
    ("UNTRACED", CloneFlags::UNTRACED, 0x800000),
    ("CHILD_SETTID", CloneFlags::CHILD_SETTID, 0x1000000),
    ("NEWCGROUP", CloneFlags::NEWCGROUP, 0x2000000),
    ("NEWUTS", CloneFlags::NEWUTS, 0x4000000),
    ("NEWIPC", CloneFlags::NEWIPC, 0x8000000),
    ("NEWUSER", CloneFlags::NEWUSER, 0x10000000),
    ("NEWPID", CloneFlags::NEWPID, 0x20000000),
    ("NEWNET", CloneFlags::NEWNET, 0x40000000),
    ("IO", CloneFlags::IO, 0x80000000),
    ("CLEAR_SIGHAND", CloneFlags::CLEAR_SIGHAND, 0x100000000),
    ("INTO_CGROUP", CloneFlags::INTO_CGROUP, 0x200000000),
];

/// The known bits: every flag of [`KERNEL`].
fn known_bits() -> u64 {
    KERNEL.iter().fold(0, |bits, &(_, _, value)| bits | value)
}

/// Every named flag, and values with no bits, every bit, and unknown bits
/// alone or beside named ones.
fn samples() -> Vec<CloneFlags> {
    let mut samples: Vec<CloneFlags> = KERNEL.iter().map(|&(_, flag, _)| flag).collect();
    let unknown = !known_bits();
    samples.extend(
        [
            0,
            known_bits(),
            u64::MAX,
            unknown,
            0x11,
            1 << 40 | 0x2_0000,
            0x7e02_0080,
            0x2002_0011,
        ]
        .map(CloneFlags::from_bits_retain),
    );
    samples
}

/// Calls `check` with every pair of [`samples`].
fn each_pair(mut check: impl FnMut(CloneFlags, CloneFlags)) {
    for a in samples() {
        for b in samples() {
            check(a, b);
        }
    }
}

/// `flags` after `change` is applied to a copy of it.
fn changed(mut flags: CloneFlags, change: impl FnOnce(&mut CloneFlags)) -> CloneFlags {
    change(&mut flags);
    flags
}

#[test]
fn each_constant_is_the_kernels_bit() {
    for (name, flag, value) in KERNEL {
        assert_eq!(flag.bits(), value, "{name}");
    }
}

#[test]
fn all_is_the_named_flags_and_nothing_else() {
    assert_eq!(CloneFlags::all().bits(), known_bits());
    assert_eq!(CloneFlags::all(), CloneFlags::ALL);
    assert!(CloneFlags::all().is_all());
    assert!(CloneFlags::from_bits_retain(u64::MAX).is_all());
    assert!(!(CloneFlags::all() - CloneFlags::IO).is_all());
    assert!(!CloneFlags::empty().is_all());
}

#[test]
fn from_bits_keeps_truncates_or_refuses_unknown_bits() {
    for flags in samples() {
        let bits = flags.bits();
        let known = bits & known_bits() == bits;
        assert_eq!(CloneFlags::from_bits_retain(bits).bits(), bits);
        assert_eq!(
            CloneFlags::from_bits_truncate(bits).bits(),
            bits & known_bits()
        );
        assert_eq!(
            CloneFlags::from_bits(bits),
            known.then(|| CloneFlags::from_bits_retain(bits))
        );
        assert_eq!(flags.unknown_bits(), bits & !known_bits());
    }
}

#[test]
fn each_set_method_is_its_bit_operation() {
    each_pair(|a, b| {
        let (x, y) = (a.bits(), b.bits());
        let what = format!("{a:?} with {b:?}");
        assert_eq!(a.union(b).bits(), x | y, "{what}");
        assert_eq!(a.intersection(b).bits(), x & y, "{what}");
        assert_eq!(a.difference(b).bits(), x & !y, "{what}");
        assert_eq!(a.symmetric_difference(b).bits(), x ^ y, "{what}");
        assert_eq!(a.contains(b), x & y == y, "{what}");
        assert_eq!(a.intersects(b), x & y != 0, "{what}");
    });
    for a in samples() {
        assert_eq!(a.complement().bits(), !a.bits() & known_bits(), "{a:?}");
        assert_eq!(a.complement(), CloneFlags::all() - a, "{a:?}");
        assert_eq!(a.is_empty(), a.bits() == 0, "{a:?}");
    }
}

#[test]
fn each_operator_is_its_set_method() {
    each_pair(|a, b| {
        let what = format!("{a:?} with {b:?}");
        assert_eq!(a | b, a.union(b), "{what}");
        assert_eq!(a & b, a.intersection(b), "{what}");
        assert_eq!(a ^ b, a.symmetric_difference(b), "{what}");
        assert_eq!(a - b, a.difference(b), "{what}");
        assert_eq!(changed(a, |f| *f |= b), a | b, "{what}");
        assert_eq!(changed(a, |f| *f &= b), a & b, "{what}");
        assert_eq!(changed(a, |f| *f ^= b), a ^ b, "{what}");
        assert_eq!(changed(a, |f| *f -= b), a - b, "{what}");
    });
    for a in samples() {
        assert_eq!(!a, a.complement(), "{a:?}");
    }
}

#[test]
fn insert_remove_toggle_and_set_change_the_flags_in_place() {
    each_pair(|a, b| {
        let what = format!("{a:?} with {b:?}");
        assert_eq!(changed(a, |f| f.insert(b)), a | b, "{what}");
        assert_eq!(changed(a, |f| f.remove(b)), a - b, "{what}");
        assert_eq!(changed(a, |f| f.toggle(b)), a ^ b, "{what}");
        assert_eq!(changed(a, |f| f.set(b, true)), a | b, "{what}");
        assert_eq!(changed(a, |f| f.set(b, false)), a - b, "{what}");
    });
}

#[test]
fn remove_keeps_unknown_bits_that_and_not_drops() {
    let flags = CloneFlags::from_bits_retain(1 << 40) | CloneFlags::NEWNS;
    assert_eq!(
        changed(flags, |f| f.remove(CloneFlags::NEWNS)).bits(),
        1 << 40
    );
    assert_eq!(flags & !CloneFlags::NEWNS, CloneFlags::empty());
}

#[test]
fn iter_names_yields_each_named_flag_with_its_constants_name_in_bit_order() {
    let names: Vec<(&str, CloneFlags)> = CloneFlags::all().iter_names().collect();
    let expected: Vec<(&str, CloneFlags)> =
        KERNEL.iter().map(|&(name, flag, _)| (name, flag)).collect();
    assert_eq!(names, expected);

    let mut names = CloneFlags::from_bits_retain(1 << 40 | 0x2000_0000 | 0x2_0000).iter_names();
    assert_eq!(names.next(), Some(("NEWNS", CloneFlags::NEWNS)));
    assert_eq!(names.next(), Some(("NEWPID", CloneFlags::NEWPID)));
    assert_eq!(names.next(), None);
    assert_eq!(names.remaining().bits(), 1 << 40);
    assert_eq!(CloneFlags::empty().iter_names().count(), 0);
}

#[test]
fn iter_yields_named_flags_then_unknown_bits_once_and_collects_back() {
    for flags in samples() {
        let items: Vec<CloneFlags> = flags.iter().collect();
        let named: Vec<CloneFlags> = flags.iter_names().map(|(_, flag)| flag).collect();
        let (last, rest) = match items.split_last() {
            Some((&last, rest)) if last.unknown_bits() != 0 => (Some(last), rest),
            _ => (None, &items[..]),
        };
        assert_eq!(rest, named, "{flags:?}");
        assert_eq!(
            last.map(CloneFlags::bits),
            Some(flags.unknown_bits()).filter(|&b| b != 0)
        );
        assert_eq!(flags.iter().collect::<CloneFlags>(), flags, "{flags:?}");
        assert_eq!(flags.into_iter().count(), items.len(), "{flags:?}");
    }
}

#[test]
fn from_name_takes_each_constants_name_exactly() {
    for (name, flag, _) in KERNEL {
        assert_eq!(CloneFlags::from_name(name), Some(flag));
        assert_eq!(CloneFlags::from_name(&name.to_lowercase()), None);
        assert_eq!(CloneFlags::from_name(&format!("CLONE_{name}")), None);
    }
    assert_eq!(CloneFlags::from_name(""), None);
    assert_eq!(CloneFlags::from_name("mount"), None);
}

#[test]
fn each_flag_prints_and_parses_with_its_kernel_name() {
    for (name, flag, _) in KERNEL {
        let kernel_name = format!("CLONE_{name}");
        assert_eq!(flag.to_string(), kernel_name);
        assert_eq!(format!("{flag:?}"), format!("CloneFlags({kernel_name})"));
        assert_eq!(kernel_name.parse::<CloneFlags>(), Ok(flag));
    }
}

#[test]
fn extend_and_from_iterator_take_the_union() {
    each_pair(|a, b| {
        assert_eq!([a, b].into_iter().collect::<CloneFlags>(), a | b);
        assert_eq!(changed(a, |f| f.extend([b, b])), a | b);
    });
    assert_eq!(
        core::iter::empty().collect::<CloneFlags>(),
        CloneFlags::empty()
    );
}

#[test]
fn number_formats_write_the_bits_as_a_u64() {
    let flags = CloneFlags::NEWNS | CloneFlags::NEWPID | CloneFlags::from_bits_retain(1 << 40);
    assert_eq!(format!("{flags:x}"), "10020020000");
    assert_eq!(format!("{flags:#x}"), "0x10020020000");
    assert_eq!(format!("{flags:X}"), "10020020000");
    assert_eq!(format!("{:#X}", CloneFlags::all()), "0x3FFFFFF80");
    assert_eq!(format!("{:o}", CloneFlags::NEWNS), "400000");
    assert_eq!(format!("{:#b}", CloneFlags::NEWTIME), "0b10000000");
    assert_eq!(format!("{:012b}", CloneFlags::VM), "000100000000");
    assert_eq!(format!("{:#06x}", CloneFlags::empty()), "0x0000");
}

#[test]
fn a_namespace_prints_its_proc_name_and_parses_back() {
    let names: Vec<String> = Namespace::ALL.iter().map(Namespace::to_string).collect();
    assert_eq!(
        names,
        ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"]
    );
    for ns in Namespace::ALL {
        assert_eq!(ns.to_string().parse::<Namespace>(), Ok(ns));
        assert_eq!(ns.to_string(), ns.proc_name());
    }
    assert_eq!(format!("{:<7}|", Namespace::Pid), "pid    |");
}

#[test]
fn a_namespace_parses_from_every_name_util_linux_takes_as_clone_flags_does() {
    let names = [
        ("mount", Namespace::Mount),
        ("mnt", Namespace::Mount),
        ("uts", Namespace::Uts),
        ("ipc", Namespace::Ipc),
        ("net", Namespace::Net),
        ("network", Namespace::Net),
        ("pid", Namespace::Pid),
        ("user", Namespace::User),
        ("cgroup", Namespace::Cgroup),
        ("time", Namespace::Time),
        ("MOUNT", Namespace::Mount),
        ("Network", Namespace::Net),
    ];
    for (name, ns) in names {
        assert_eq!(name.parse::<Namespace>(), Ok(ns), "{name}");
        assert_eq!(name.parse::<CloneFlags>(), Ok(ns.flag()), "{name}");
    }
    for ns in Namespace::ALL {
        assert_eq!(ns.option_name().parse::<Namespace>(), Ok(ns));
    }
}

#[test]
fn a_string_naming_no_namespace_is_named_in_the_error() {
    for bad in [
        "",
        " net",
        "net,pid",
        "CLONE_NEWNET",
        "0x40000000",
        "namespace",
    ] {
        let err: ParseNamespaceError = bad.parse::<Namespace>().unwrap_err();
        assert_eq!(err.word(), bad);
    }
    let err = "bogus".parse::<Namespace>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown namespace \"bogus\" (expected one of mount, mnt, uts, ipc, net, network, \
         pid, user, cgroup, time)"
    );
    assert_eq!(format!("{err:?}"), format!("ParseNamespaceError({err})"));
    let long = "x".repeat(40).parse::<Namespace>().unwrap_err();
    assert_eq!(long.word(), "x".repeat(32));
    assert!(long
        .to_string()
        .starts_with(&format!("unknown namespace \"{}...\" (", "x".repeat(32))));
}
