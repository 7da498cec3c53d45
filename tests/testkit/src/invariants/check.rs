//! Target `check`: `CloneFlags::check` against the kernel's documented
//! rules, and the structure of its answers.

use super::{kbits, FlagsInput};
use nsclone::{CloneFlags, Errno, FlagError, Rule, Syscall};

/// The rules for `call` that `bits` (and the clone3 exit signal) break,
/// in the kernel's order (reference/kernel-rules.md), as kernels 6.9 to
/// 7.0 apply them: the model `check` must match.
pub fn broken_rules(call: Syscall, bits: u64, exit_signal: u64) -> Vec<Rule> {
    let has = |flags: u64| bits & flags == flags;
    let mut broken = Vec::new();
    let mut rule = |cond: bool, rule: Rule| {
        if cond {
            broken.push(rule);
        }
    };
    let copy_process = |rule: &mut dyn FnMut(bool, Rule), bits: u64| {
        let has = |flags: u64| bits & flags == flags;
        let any = |flags: u64| bits & flags != 0;
        use kbits::*;
        rule(has(NEWNS | FS), Rule::NewnsWithFs); // P-1
        rule(has(NEWUSER | FS), Rule::NewuserWithFs); // P-2
        rule(has(THREAD) && !has(SIGHAND), Rule::ThreadWithoutSighand); // P-3
        rule(has(SIGHAND) && !has(VM), Rule::SighandWithoutVm); // P-4
        let newuser_or_newpid = any(NEWUSER | NEWPID);
        rule(
            has(THREAD) && newuser_or_newpid,
            Rule::ThreadWithNewuserOrNewpid,
        ); // P-6
        rule(has(PIDFD | DETACHED), Rule::PidfdWithDetached); // P-7a
        rule(has(NEWIPC | SYSVSEM), Rule::NewipcWithSysvsem); // P-12b
    };
    match call {
        Syscall::Clone => {
            let seen = bits & kbits::CLONE_SEEN;
            let both = kbits::PIDFD | kbits::PARENT_SETTID;
            rule(seen & both == both, Rule::PidfdWithParentSettid); // L-3
            copy_process(&mut rule, seen);
        }
        Syscall::Clone3 => {
            let bad_signal = exit_signal & !0xff != 0 || exit_signal > kbits::MAX_EXIT_SIGNAL;
            rule(bad_signal, Rule::ExitSignalInvalid); // C3-7
            let unknown = bits & !kbits::CLONE3_KNOWN != 0;
            rule(unknown, Rule::Clone3UnknownFlags); // C3-10
            let forbidden = bits & kbits::CLONE3_FORBIDDEN != 0;
            rule(forbidden, Rule::Clone3SignalBitsOrDetached); // C3-11
            let clear = has(kbits::SIGHAND | kbits::CLEAR_SIGHAND);
            rule(clear, Rule::SighandWithClearSighand); // C3-12
            let needs_zero = bits & (kbits::THREAD | kbits::PARENT) != 0;
            rule(
                needs_zero && exit_signal != 0,
                Rule::ThreadOrParentWithExitSignal,
            ); // C3-13
            copy_process(&mut rule, bits);
        }
        Syscall::Unshare => {
            let unknown = bits & !kbits::UNSHARE_KNOWN != 0;
            rule(unknown, Rule::UnshareUnknownFlags); // US-1
        }
        Syscall::Setns => {
            let unknown = bits & !kbits::NAMESPACES != 0;
            rule(unknown, Rule::SetnsNotANamespace); // S-2, S-3
        }
    }
    broken
}

/// The errnos the man pages document for each call.
pub fn documented(call: Syscall) -> &'static [Errno] {
    use Errno as E;
    match call {
        Syscall::Clone | Syscall::Clone3 => &[
            E::E2BIG,
            E::EACCES,
            E::EAGAIN,
            E::EBADF,
            E::EBUSY,
            E::EEXIST,
            E::EFAULT,
            E::EINVAL,
            E::ENOMEM,
            E::ENOSPC,
            E::ENOSYS,
            E::EOPNOTSUPP,
            E::EPERM,
            E::EUSERS,
        ],
        Syscall::Unshare => &[E::EINVAL, E::ENOMEM, E::ENOSPC, E::EPERM, E::EUSERS],
        Syscall::Setns => &[
            E::EBADF,
            E::EINVAL,
            E::ENOMEM,
            E::EPERM,
            E::ESRCH,
            E::EUSERS,
        ],
    }
}

/// `check`'s answer, for messages: `Ok` or `Rule (ERRNO): message`.
pub fn describe(result: Result<(), FlagError>) -> String {
    match result {
        Ok(()) => "Ok".into(),
        Err(err) => format!("{:?} ({}): {err}", err.rule(), err.errno().name()),
    }
}

/// Checks one question; panics naming the invariant broken.
pub fn check(input: FlagsInput) {
    constants_match_the_kernel();
    let FlagsInput {
        call,
        flags,
        exit_signal,
    } = input;
    let bits = flags.bits();
    let result = flags.check_with_exit_signal(call, exit_signal);
    let what = format!(
        "{call:?} flags {bits:#x} ({flags}) exit_signal {exit_signal}: check says {}",
        describe(result)
    );

    // The exit signal is clone3's alone; `check` is the signal-0 case.
    assert_eq!(
        flags.check(call),
        flags.check_with_exit_signal(call, 0),
        "{what}"
    );
    if call != Syscall::Clone3 {
        assert_eq!(
            result,
            flags.check(call),
            "{what}: the exit signal mattered"
        );
    }

    // An error describes this question with an errno the call documents.
    if let Err(err) = result {
        assert_eq!(err.syscall(), call, "{what}");
        assert_eq!(err.flags(), flags, "{what}");
        assert!(
            documented(call).contains(&err.errno()),
            "{what}: undocumented errno"
        );
        assert_eq!(nsclone::Error::from(err).errno(), err.errno(), "{what}");
        let shown = err.to_string();
        assert!(!shown.is_empty() && shown == err.rule().message(), "{what}");
    }

    // The documented rules, in the kernel's order: check names the first broken.
    let broken = broken_rules(call, bits, exit_signal);
    match result {
        Ok(()) => assert!(broken.is_empty(), "{what}, but it breaks {broken:?}"),
        Err(err) => assert_eq!(
            Some(err.rule()),
            broken.first().copied(),
            "{what}; rules broken in kernel order: {broken:?}"
        ),
    }

    // Structure: what is accepted lies inside the kernel's masks.
    if result.is_ok() {
        let outside = match call {
            Syscall::Unshare => bits & !kbits::UNSHARE_KNOWN,
            Syscall::Setns => bits & !kbits::NAMESPACES,
            Syscall::Clone3 => {
                assert!(exit_signal <= kbits::MAX_EXIT_SIGNAL, "{what}");
                bits & !kbits::CLONE3_KNOWN | bits & kbits::CLONE3_FORBIDDEN
            }
            _ => 0,
        };
        assert_eq!(
            outside, 0,
            "{what}: accepted bits outside the kernel's mask"
        );
    }

    // Legacy clone sees bits 8..=31 only: the exit-signal byte and the
    // bits from 32 never change its answer.
    if call == Syscall::Clone {
        let seen = CloneFlags::from_bits_retain(bits & kbits::CLONE_SEEN);
        let rule = |r: Result<(), FlagError>| r.map_err(|e| e.rule());
        assert_eq!(rule(seen.check(call)), rule(result), "{what}");
    }
}

/// The crate's constants are the kernel's values.
fn constants_match_the_kernel() {
    let mut all = 0;
    for &(name, bits) in kbits::NAMED {
        let parsed = name.parse::<CloneFlags>().map(CloneFlags::bits);
        assert_eq!(parsed, Ok(bits), "{name}");
        all |= bits;
    }
    assert_eq!(CloneFlags::ALL.bits(), all, "CloneFlags::ALL");
    assert_eq!(CloneFlags::ALL_NAMESPACES.bits(), kbits::NAMESPACES);
}
