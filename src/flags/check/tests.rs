//! Each rule of `CloneFlags::check`, its errno, message and place in the kernel's order.

extern crate std;

use super::*;
use std::string::ToString;

type F = CloneFlags;

const ALL_CALLS: [Syscall; 4] = [
    Syscall::Clone,
    Syscall::Clone3,
    Syscall::Unshare,
    Syscall::Setns,
];

/// Asserts that `flags` break `rule` under `call`, that the error says so
/// in the rule's words and answers EINVAL, and returns the error.
#[track_caller]
fn rejects(flags: CloneFlags, call: Syscall, rule: Rule) -> FlagError {
    rejects_with_signal(flags, call, 0, rule)
}

#[track_caller]
fn rejects_with_signal(
    flags: CloneFlags,
    call: Syscall,
    exit_signal: u64,
    rule: Rule,
) -> FlagError {
    let err = flags
        .check_with_exit_signal(call, exit_signal)
        .expect_err("the flags should be rejected");
    assert_eq!(err.rule(), rule, "{flags} under {call:?}");
    assert_eq!(err.syscall(), call);
    assert_eq!(err.flags(), flags);
    assert_eq!(err.errno(), Errno::EINVAL);
    assert_eq!(crate::Error::from(err), crate::Error::Invalid(rule));
    assert_eq!(err.to_string(), rule.message());
    err
}

#[track_caller]
fn accepts(flags: CloneFlags, call: Syscall) {
    if let Err(err) = flags.check(call) {
        panic!("{flags} under {call:?} rejected: {err}");
    }
}

// One test per rule, in the kernel's order.

#[test]
fn clone3_rejects_an_exit_signal_above_64_or_beyond_a_byte() {
    let call = Syscall::Clone3;
    for signal in [65, 0xff, 0x100, 0x111, 1 << 32, u64::MAX] {
        rejects_with_signal(F::empty(), call, signal, Rule::ExitSignalInvalid);
    }
    for signal in [0, 1, 17, 64] {
        assert_eq!(F::empty().check_with_exit_signal(call, signal), Ok(()));
    }
    let err = rejects_with_signal(F::empty(), call, 65, Rule::ExitSignalInvalid);
    assert_eq!(
        err.to_string(),
        "the exit signal must be a signal number from 0 to 64"
    );
}

#[test]
fn the_exit_signal_only_matters_to_clone3() {
    for call in [Syscall::Clone, Syscall::Unshare, Syscall::Setns] {
        assert_eq!(F::empty().check_with_exit_signal(call, 1000), Ok(()));
        assert_eq!(F::NEWNET.check_with_exit_signal(call, 1000), Ok(()));
    }
    assert_eq!(F::NEWNET.check(Syscall::Clone3), Ok(()));
}

#[test]
fn clone3_rejects_bits_above_into_cgroup() {
    for bit in 34..64 {
        let err = rejects(
            F::from_bits_retain(1 << bit),
            Syscall::Clone3,
            Rule::Clone3UnknownFlags,
        );
        assert_eq!(
            err.to_string(),
            "clone3 accepts no flag bits above CLONE_INTO_CGROUP"
        );
    }
    accepts(F::CLEAR_SIGHAND, Syscall::Clone3);
    accepts(F::INTO_CGROUP, Syscall::Clone3);
}

#[test]
fn clone3_rejects_detached_and_exit_signal_bits_but_not_newtime() {
    let mut forbidden = [F::DETACHED; 8];
    for (slot, bit) in forbidden[1..].iter_mut().zip(0..7) {
        *slot = F::from_bits_retain(1 << bit);
    }
    for flags in forbidden {
        let err = rejects(flags, Syscall::Clone3, Rule::Clone3SignalBitsOrDetached);
        assert_eq!(
            err.to_string(),
            "clone3 accepts neither CLONE_DETACHED nor exit-signal bits in flags (use exit_signal)"
        );
    }
    rejects(
        F::from_bits_retain(0x7f),
        Syscall::Clone3,
        Rule::Clone3SignalBitsOrDetached,
    );
    accepts(F::NEWTIME, Syscall::Clone3);
}

#[test]
fn clone3_rejects_sighand_with_clear_sighand() {
    let flags = F::SIGHAND | F::VM | F::CLEAR_SIGHAND;
    let err = rejects(flags, Syscall::Clone3, Rule::SighandWithClearSighand);
    assert_eq!(
        err.to_string(),
        "CLONE_SIGHAND cannot be combined with CLONE_CLEAR_SIGHAND"
    );
    accepts(F::CLEAR_SIGHAND | F::VM, Syscall::Clone3);
    accepts(F::SIGHAND | F::VM, Syscall::Clone3);
}

#[test]
fn clone3_rejects_thread_or_parent_with_an_exit_signal() {
    let thread = F::THREAD | F::SIGHAND | F::VM;
    for flags in [thread, F::PARENT, thread | F::PARENT] {
        let err = rejects_with_signal(
            flags,
            Syscall::Clone3,
            17,
            Rule::ThreadOrParentWithExitSignal,
        );
        assert_eq!(
            err.to_string(),
            "CLONE_THREAD and CLONE_PARENT need a zero exit signal in clone3"
        );
        assert_eq!(flags.check_with_exit_signal(Syscall::Clone3, 0), Ok(()));
    }
    assert_eq!(F::VFORK.check_with_exit_signal(Syscall::Clone3, 17), Ok(()));
}

#[test]
fn legacy_clone_rejects_pidfd_with_parent_settid_but_clone3_accepts_it() {
    let flags = F::PIDFD | F::PARENT_SETTID;
    let err = rejects(flags, Syscall::Clone, Rule::PidfdWithParentSettid);
    assert_eq!(
        err.to_string(),
        "CLONE_PIDFD cannot be combined with CLONE_PARENT_SETTID in legacy clone (both use parent_tid)"
    );
    accepts(flags, Syscall::Clone3);
    accepts(F::PIDFD, Syscall::Clone);
    accepts(F::PARENT_SETTID, Syscall::Clone);
}

#[test]
fn newns_with_fs_is_rejected_by_clone_and_clone3() {
    for call in [Syscall::Clone, Syscall::Clone3] {
        let err = rejects(F::NEWNS | F::FS, call, Rule::NewnsWithFs);
        assert_eq!(
            err.to_string(),
            "CLONE_NEWNS cannot be combined with CLONE_FS"
        );
    }
    // unshare(NEWNS) implies FS itself.
    accepts(F::NEWNS | F::FS, Syscall::Unshare);
}

#[test]
fn newuser_with_fs_is_rejected_by_clone_and_clone3() {
    for call in [Syscall::Clone, Syscall::Clone3] {
        let err = rejects(F::NEWUSER | F::FS, call, Rule::NewuserWithFs);
        assert_eq!(
            err.to_string(),
            "CLONE_NEWUSER cannot be combined with CLONE_FS"
        );
    }
    // unshare(NEWUSER) implies FS itself.
    accepts(F::NEWUSER | F::FS, Syscall::Unshare);
}

#[test]
fn thread_without_sighand_is_rejected_by_clone_and_clone3() {
    for call in [Syscall::Clone, Syscall::Clone3] {
        for flags in [F::THREAD, F::THREAD | F::VM] {
            let err = rejects(flags, call, Rule::ThreadWithoutSighand);
            assert_eq!(err.to_string(), "CLONE_THREAD requires CLONE_SIGHAND");
        }
        accepts(F::THREAD | F::SIGHAND | F::VM, call);
    }
    // A single-threaded unshare(THREAD) is a no-op for the kernel.
    accepts(F::THREAD, Syscall::Unshare);
}

#[test]
fn sighand_without_vm_is_rejected_by_clone_and_clone3() {
    for call in [Syscall::Clone, Syscall::Clone3] {
        let err = rejects(F::SIGHAND, call, Rule::SighandWithoutVm);
        assert_eq!(err.to_string(), "CLONE_SIGHAND requires CLONE_VM");
        accepts(F::SIGHAND | F::VM, call);
    }
    accepts(F::SIGHAND, Syscall::Unshare);
}

#[test]
fn a_thread_cannot_get_a_new_user_or_pid_namespace() {
    let thread = F::THREAD | F::SIGHAND | F::VM;
    for call in [Syscall::Clone, Syscall::Clone3] {
        for ns in [F::NEWUSER, F::NEWPID, F::NEWUSER | F::NEWPID] {
            let err = rejects(thread | ns, call, Rule::ThreadWithNewuserOrNewpid);
            assert_eq!(
                err.to_string(),
                "CLONE_THREAD cannot be combined with CLONE_NEWUSER or CLONE_NEWPID"
            );
        }
        // The other namespaces are the thread group's business.
        accepts(thread | F::NEWUTS | F::NEWNET, call);
    }
}

#[test]
fn legacy_clone_rejects_pidfd_with_detached() {
    let err = rejects(
        F::PIDFD | F::DETACHED,
        Syscall::Clone,
        Rule::PidfdWithDetached,
    );
    assert_eq!(
        err.to_string(),
        "CLONE_PIDFD cannot be combined with CLONE_DETACHED"
    );
    // Legacy clone ignores DETACHED on its own.
    accepts(F::DETACHED, Syscall::Clone);
}

#[test]
fn newipc_with_sysvsem_is_rejected_by_clone_and_clone3_but_not_unshare() {
    for call in [Syscall::Clone, Syscall::Clone3] {
        let err = rejects(F::NEWIPC | F::SYSVSEM, call, Rule::NewipcWithSysvsem);
        assert_eq!(
            err.to_string(),
            "CLONE_NEWIPC cannot be combined with CLONE_SYSVSEM"
        );
    }
    accepts(F::NEWIPC | F::SYSVSEM, Syscall::Unshare);
}

#[test]
fn unshare_accepts_exactly_the_mask_0x7e070f80() {
    assert_eq!(UNSHARE_KNOWN.bits(), 0x7e07_0f80);
    for bit in 0..64 {
        let flags = F::from_bits_retain(1 << bit);
        if 0x7e07_0f80u64 & (1 << bit) != 0 {
            accepts(flags, Syscall::Unshare);
        } else {
            let err = rejects(flags, Syscall::Unshare, Rule::UnshareUnknownFlags);
            assert_eq!(
                err.to_string(),
                "unshare accepts only CLONE_NEW*, CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_VM, CLONE_SIGHAND and CLONE_THREAD"
            );
        }
    }
    accepts(F::from_bits_retain(0x7e07_0f80), Syscall::Unshare);
    accepts(F::empty(), Syscall::Unshare);
    rejects(
        F::from_bits_retain(u64::MAX),
        Syscall::Unshare,
        Rule::UnshareUnknownFlags,
    );
}

#[test]
fn setns_rejects_every_bit_that_is_not_a_namespace_type() {
    for bit in 0..64 {
        let flags = F::from_bits_retain(1 << bit);
        if F::ALL_NAMESPACES.contains(flags) {
            accepts(flags, Syscall::Setns);
        } else {
            let err = rejects(flags, Syscall::Setns, Rule::SetnsNotANamespace);
            assert_eq!(
                err.to_string(),
                "setns accepts only CLONE_NEW* namespace types"
            );
        }
    }
    // 0 (any type, nsfs fd) and several types (pidfd) are the fd's business.
    accepts(F::empty(), Syscall::Setns);
    accepts(F::ALL_NAMESPACES, Syscall::Setns);
    rejects(
        F::ALL_NAMESPACES | F::FS,
        Syscall::Setns,
        Rule::SetnsNotANamespace,
    );
}

// Legacy clone's view of the flags word.

#[test]
fn legacy_clone_ignores_bits_from_32_up() {
    for bit in 32..64 {
        accepts(F::from_bits_retain(1 << bit), Syscall::Clone);
    }
    // Bits above 31 cannot complete a rule either.
    accepts(F::SIGHAND | F::VM | F::CLEAR_SIGHAND, Syscall::Clone);
    accepts(F::from_bits_retain(u64::MAX << 32), Syscall::Clone);
    // ... nor hide one.
    rejects(
        F::NEWNS | F::FS | F::INTO_CGROUP,
        Syscall::Clone,
        Rule::NewnsWithFs,
    );
}

#[test]
fn legacy_clone_reads_the_low_byte_as_the_exit_signal_not_as_flags() {
    for byte in 0..=0xffu64 {
        accepts(F::from_bits_retain(byte), Syscall::Clone);
    }
    // CLONE_NEWTIME lies in that byte: legacy clone never sees it.
    accepts(F::NEWTIME, Syscall::Clone);
    accepts(F::NEWTIME | F::NEWNS, Syscall::Clone);
    rejects(
        F::from_bits_retain(0x11) | F::SIGHAND,
        Syscall::Clone,
        Rule::SighandWithoutVm,
    );
}

#[test]
fn empty_flags_pass_every_syscall() {
    for call in ALL_CALLS {
        accepts(F::empty(), call);
    }
}

#[test]
fn every_namespace_flag_alone_passes_clone3_unshare_and_setns() {
    for ns in crate::Namespace::ALL {
        for call in [Syscall::Clone3, Syscall::Unshare, Syscall::Setns] {
            accepts(ns.flag(), call);
        }
    }
    accepts(F::ALL_NAMESPACES, Syscall::Clone3);
    accepts(F::ALL_NAMESPACES - F::NEWTIME, Syscall::Clone);
}

// Order: the first rule in the kernel's order decides.

#[test]
fn clone3_reports_detached_before_newns_with_fs() {
    rejects(
        F::DETACHED | F::NEWNS | F::FS,
        Syscall::Clone3,
        Rule::Clone3SignalBitsOrDetached,
    );
    // Legacy clone ignores DETACHED, so NEWNS|FS decides there.
    rejects(
        F::DETACHED | F::NEWNS | F::FS,
        Syscall::Clone,
        Rule::NewnsWithFs,
    );
}

#[test]
fn clone3_checks_the_exit_signal_before_the_flags() {
    let flags = F::from_bits_retain(1 << 40) | F::DETACHED | F::NEWNS | F::FS;
    rejects_with_signal(flags, Syscall::Clone3, 65, Rule::ExitSignalInvalid);
}

#[test]
fn clone3_reports_unknown_bits_before_detached_or_signal_bits() {
    let flags = F::from_bits_retain(1 << 34) | F::DETACHED | F::from_bits_retain(0x11);
    rejects(flags, Syscall::Clone3, Rule::Clone3UnknownFlags);
}

#[test]
fn clone3_reports_signal_bits_before_sighand_with_clear_sighand() {
    let flags = F::from_bits_retain(0x11) | F::SIGHAND | F::CLEAR_SIGHAND;
    rejects(flags, Syscall::Clone3, Rule::Clone3SignalBitsOrDetached);
}

#[test]
fn clone3_reports_sighand_with_clear_sighand_before_the_copy_process_rules() {
    // SIGHAND without VM would break a later rule too.
    let flags = F::SIGHAND | F::CLEAR_SIGHAND | F::NEWNS | F::FS;
    rejects(flags, Syscall::Clone3, Rule::SighandWithClearSighand);
}

#[test]
fn clone3_reports_a_parent_exit_signal_before_the_copy_process_rules() {
    let flags = F::PARENT | F::NEWNS | F::FS;
    rejects_with_signal(
        flags,
        Syscall::Clone3,
        17,
        Rule::ThreadOrParentWithExitSignal,
    );
    rejects(flags, Syscall::Clone3, Rule::NewnsWithFs);
}

#[test]
fn legacy_clone_reports_pidfd_with_parent_settid_before_the_copy_process_rules() {
    let flags = F::PIDFD | F::PARENT_SETTID | F::NEWNS | F::FS | F::DETACHED;
    rejects(flags, Syscall::Clone, Rule::PidfdWithParentSettid);
    // clone3 has separate pointers: DETACHED decides there.
    rejects(flags, Syscall::Clone3, Rule::Clone3SignalBitsOrDetached);
}

#[test]
fn copy_process_rules_fire_in_the_kernels_order() {
    let cases = [
        (F::NEWNS | F::FS | F::NEWUSER | F::THREAD, Rule::NewnsWithFs),
        (F::NEWUSER | F::FS | F::THREAD, Rule::NewuserWithFs),
        (
            F::THREAD | F::NEWPID | F::PIDFD | F::DETACHED,
            Rule::ThreadWithoutSighand,
        ),
        (F::THREAD | F::SIGHAND | F::NEWPID, Rule::SighandWithoutVm),
        (
            F::THREAD | F::SIGHAND | F::VM | F::NEWUSER | F::PIDFD | F::DETACHED,
            Rule::ThreadWithNewuserOrNewpid,
        ),
        (
            F::PIDFD | F::DETACHED | F::NEWIPC | F::SYSVSEM,
            Rule::PidfdWithDetached,
        ),
    ];
    for (flags, rule) in cases {
        rejects(flags, Syscall::Clone, rule);
        // clone3 rejects DETACHED before copy_process sees it.
        let clone3_rule = if flags.contains(F::DETACHED) {
            Rule::Clone3SignalBitsOrDetached
        } else {
            rule
        };
        rejects(flags, Syscall::Clone3, clone3_rule);
    }
}

#[test]
fn pidfd_with_thread_is_accepted_as_on_kernel_6_9_and_later() {
    let flags = F::PIDFD | F::THREAD | F::SIGHAND | F::VM;
    accepts(flags, Syscall::Clone);
    accepts(flags, Syscall::Clone3);
}

#[test]
fn unshare_and_setns_apply_none_of_the_clone_combination_rules() {
    let flags = F::NEWNS | F::FS | F::NEWUSER | F::THREAD | F::SIGHAND | F::NEWIPC | F::SYSVSEM;
    accepts(flags, Syscall::Unshare);
    rejects(flags, Syscall::Setns, Rule::SetnsNotANamespace);
    rejects(
        F::PIDFD | F::DETACHED,
        Syscall::Unshare,
        Rule::UnshareUnknownFlags,
    );
}

// The split: every rule is the kernel's, one `check` returns.

/// Every rule; a new one needs a line here and in [`broken_first_by`].
const RULES: [Rule; 15] = [
    Rule::ExitSignalInvalid,
    Rule::Clone3UnknownFlags,
    Rule::Clone3SignalBitsOrDetached,
    Rule::SighandWithClearSighand,
    Rule::ThreadOrParentWithExitSignal,
    Rule::PidfdWithParentSettid,
    Rule::NewnsWithFs,
    Rule::NewuserWithFs,
    Rule::ThreadWithoutSighand,
    Rule::SighandWithoutVm,
    Rule::ThreadWithNewuserOrNewpid,
    Rule::PidfdWithDetached,
    Rule::NewipcWithSysvsem,
    Rule::UnshareUnknownFlags,
    Rule::SetnsNotANamespace,
];

/// A call, flags and exit signal that break `rule` first. The match has
/// no catch-all, so a rule without a request that breaks it does not build.
fn broken_first_by(rule: Rule) -> (Syscall, CloneFlags, u64) {
    let thread = F::THREAD | F::SIGHAND | F::VM;
    match rule {
        Rule::ExitSignalInvalid => (Syscall::Clone3, F::empty(), 65),
        Rule::Clone3UnknownFlags => (Syscall::Clone3, F::from_bits_retain(1 << 40), 0),
        Rule::Clone3SignalBitsOrDetached => (Syscall::Clone3, F::DETACHED, 0),
        Rule::SighandWithClearSighand => (Syscall::Clone3, thread | F::CLEAR_SIGHAND, 0),
        Rule::ThreadOrParentWithExitSignal => (Syscall::Clone3, F::PARENT, 17),
        Rule::PidfdWithParentSettid => (Syscall::Clone, F::PIDFD | F::PARENT_SETTID, 0),
        Rule::NewnsWithFs => (Syscall::Clone, F::NEWNS | F::FS, 0),
        Rule::NewuserWithFs => (Syscall::Clone, F::NEWUSER | F::FS, 0),
        Rule::ThreadWithoutSighand => (Syscall::Clone, F::THREAD, 0),
        Rule::SighandWithoutVm => (Syscall::Clone, F::SIGHAND, 0),
        Rule::ThreadWithNewuserOrNewpid => (Syscall::Clone, thread | F::NEWPID, 0),
        Rule::PidfdWithDetached => (Syscall::Clone, F::PIDFD | F::DETACHED, 0),
        Rule::NewipcWithSysvsem => (Syscall::Clone, F::NEWIPC | F::SYSVSEM, 0),
        Rule::UnshareUnknownFlags => (Syscall::Unshare, F::PIDFD, 0),
        Rule::SetnsNotANamespace => (Syscall::Setns, F::VM, 0),
    }
}

#[test]
fn every_rule_is_one_check_returns_in_words_with_einval() {
    for (i, rule) in RULES.into_iter().enumerate() {
        assert!(!RULES[..i].contains(&rule), "{rule:?} twice");
        assert!(!rule.message().is_empty(), "{rule:?}");
        let (call, flags, exit_signal) = broken_first_by(rule);
        rejects_with_signal(flags, call, exit_signal, rule);
    }
}
