//! The flag table, the namespace table and `CloneFlags`' set operators.

use super::*;

#[test]
fn every_named_flag_is_one_distinct_bit_outside_the_exit_signal_but_newtime() {
    let mut seen = 0u64;
    for &(flag, name) in NAMED {
        assert_eq!(flag.bits().count_ones(), 1, "{name}");
        assert_eq!(seen & flag.bits(), 0, "{name} repeats a bit");
        seen |= flag.bits();
    }
    assert_eq!(seen & CloneFlags::CSIGNAL, CloneFlags::NEWTIME.bits());
    assert_eq!(CloneFlags::ALL.bits(), seen);
}

#[test]
fn from_bits_refuses_unknown_bits_and_retain_keeps_them() {
    assert_eq!(CloneFlags::from_bits(0x20000), Some(CloneFlags::NEWNS));
    assert_eq!(CloneFlags::from_bits(0x11), None);
    assert_eq!(CloneFlags::from_bits(1 << 40), None);
    assert_eq!(
        CloneFlags::from_bits_retain(1 << 40).unknown_bits(),
        1 << 40
    );
}

#[test]
fn set_operators_behave_like_sets() {
    let a = CloneFlags::NEWNS | CloneFlags::NEWPID;
    assert!(a.contains(CloneFlags::NEWNS) && !a.contains(CloneFlags::NEWNS | CloneFlags::VM));
    assert_eq!(a & CloneFlags::NEWPID, CloneFlags::NEWPID);
    assert_eq!(a - CloneFlags::NEWPID, CloneFlags::NEWNS);
    assert_eq!(!CloneFlags::ALL, CloneFlags::empty());
    assert_eq!((!a) & a, CloneFlags::empty());
    let mut b = a;
    b -= CloneFlags::NEWNS;
    b |= CloneFlags::VM;
    b &= CloneFlags::VM;
    assert_eq!(b, CloneFlags::VM);
}

#[test]
fn namespaces_lists_each_namespace_flag_in_order() {
    let flags = CloneFlags::NEWTIME | CloneFlags::NEWNS | CloneFlags::VM | CloneFlags::NEWUSER;
    let mut kinds = flags.namespaces();
    assert_eq!(kinds.next(), Some(Namespace::Mount));
    assert_eq!(kinds.next(), Some(Namespace::User));
    assert_eq!(kinds.next(), Some(Namespace::Time));
    assert_eq!(kinds.next(), None);
    assert_eq!(CloneFlags::ALL_NAMESPACES.namespaces().count(), 8);
}

#[test]
fn each_namespace_kind_has_its_flag_and_proc_name() {
    let names = Namespace::ALL.map(Namespace::proc_name);
    assert_eq!(
        names,
        ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"]
    );
    for ns in Namespace::ALL {
        assert_eq!(CloneFlags::from(ns), ns.flag());
        assert!(CloneFlags::ALL_NAMESPACES.contains(ns.flag()));
    }
}

#[test]
fn each_namespace_kind_has_util_linux_option_letter_and_name() {
    let letters = Namespace::ALL.map(Namespace::option_letter);
    assert_eq!(letters, ['m', 'u', 'i', 'n', 'p', 'U', 'C', 'T']);
    let names = Namespace::ALL.map(Namespace::option_name);
    assert_eq!(
        names,
        ["mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time"]
    );
}
