//! `Spawn::check` and `Spawn::check_exec` decide every refusal of `spawn`
//! and `exec`: over the builder's options and both entry points, a call is
//! refused before any syscall exactly when its check refuses, with the same
//! rule, and a refused closure never runs.

mod common;

use common::SharedPage;
use core::ffi::c_char;
use linux_raw_sys::general::SIGCHLD;
use nsclone::{
    CStrArray, CloneFlags, Error, ExitStatus, IdMap, MmapStack, Rule, SetGroups, Spawn, TimeOffset,
};

const ROOT: [IdMap; 1] = [IdMap {
    inside: 0,
    outside: 0,
    count: 1,
}];
const EMPTY_RANGE: [IdMap; 1] = [IdMap {
    inside: 0,
    outside: 0,
    count: 0,
}];
const TOO_MANY_PIDS: [i32; 33] = [1; 33];

/// Flags that pass, flags each safe-path rule refuses, and flags the
/// kernel's own rules refuse.
fn flag_choices() -> [CloneFlags; 16] {
    [
        CloneFlags::empty(),
        CloneFlags::NEWUTS,
        CloneFlags::NEWUSER,
        CloneFlags::NEWUSER | CloneFlags::NEWUTS,
        CloneFlags::VFORK,
        CloneFlags::NEWUSER | CloneFlags::VFORK,
        CloneFlags::VM,
        CloneFlags::VM | CloneFlags::VFORK,
        CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM,
        CloneFlags::FILES,
        CloneFlags::PIDFD,
        CloneFlags::NEWTIME,
        CloneFlags::NEWNS | CloneFlags::FS,
        CloneFlags::CLEAR_SIGHAND,
        CloneFlags::from_bits_retain(0x11),
        CloneFlags::from_bits_retain(1 << 40),
    ]
}

/// Every combination of the builder's options over [`flag_choices`].
fn requests() -> Vec<Spawn<'static>> {
    let mut requests = Vec::new();
    for flags in flag_choices() {
        for exit_signal in [SIGCHLD as i32, 65] {
            for pidfd in [false, true] {
                for maps in 0..4 {
                    for time in 0..3 {
                        for set_tid in [&[][..], &TOO_MANY_PIDS[..]] {
                            let mut request = Spawn::new(flags)
                                .exit_signal(exit_signal)
                                .pidfd(pidfd)
                                .set_tid(set_tid);
                            request = match maps {
                                0 => request,
                                1 => request.map_root_user(),
                                2 => request.id_maps(&ROOT, &ROOT, SetGroups::Unchanged),
                                _ => request.id_maps(&EMPTY_RANGE, &[], SetGroups::Deny),
                            };
                            request = match time {
                                0 => request,
                                1 => {
                                    request.time_offsets(TimeOffset::from_secs(1), TimeOffset::ZERO)
                                }
                                _ => request.time_offsets(
                                    TimeOffset {
                                        seconds: 0,
                                        nanoseconds: 1_000_000_000,
                                    },
                                    TimeOffset::ZERO,
                                ),
                            };
                            requests.push(request);
                        }
                    }
                }
            }
        }
    }
    requests
}

/// The answer of one call: refused with a rule, or anything else (a child
/// that ran, or the kernel's or a step's error).
fn refusal<T>(result: &Result<T, Error>) -> Option<Rule> {
    match result {
        Err(Error::Refused(rule)) => Some(*rule),
        _ => None,
    }
}

#[test]
fn spawn_is_refused_exactly_when_check_refuses_and_with_its_rule() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    let ran = SharedPage::new(0u32);
    let (mut refused, mut created) = (0, 0);
    for request in requests() {
        let checked = request.check().err();
        ran.set(0);
        // SAFETY: the closure only writes a shared page and returns.
        let result = unsafe {
            request.spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        assert_eq!(refusal(&result), checked, "{request:?}: {result:?}");
        match result {
            Ok(child) => {
                created += 1;
                assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{request:?}");
                assert_eq!(ran.get(), 1, "{request:?}");
            }
            Err(_) if checked.is_some() => {
                refused += 1;
                assert_eq!(ran.get(), 0, "{request:?}: a refused closure ran");
            }
            Err(_) => {}
        }
    }
    assert!(
        refused > 0 && created > 0,
        "{refused} refused, {created} created"
    );
}

#[test]
fn exec_is_refused_exactly_when_check_exec_refuses_and_with_its_rule() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let (mut refused, mut created) = (0, 0);
    for request in requests() {
        let checked = request.check_exec().err();
        let result = request.exec(stack.as_mut_slice(), c"/bin/true", argv, CStrArray::empty());
        assert_eq!(refusal(&result), checked, "{request:?}: {result:?}");
        if let Ok(child) = result {
            created += 1;
            assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{request:?}");
        } else if checked.is_some() {
            refused += 1;
        }
    }
    assert!(
        refused > 0 && created > 0,
        "{refused} refused, {created} created"
    );
}

#[test]
fn the_two_entry_points_differ_only_where_exec_shares_memory() {
    // Closures never share our memory; exec's child always does, and so
    // cannot wait for ID maps or make a time namespace.
    let vm_vfork = Spawn::new(CloneFlags::VM | CloneFlags::VFORK);
    assert_eq!(vm_vfork.check(), Err(Rule::SpawnSharesMemory));
    assert_eq!(vm_vfork.check_exec(), Ok(()));
    let mapped = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
    assert_eq!(mapped.check(), Ok(()));
    assert_eq!(mapped.check_exec(), Err(Rule::IdMapsWithVfork));
    let timed =
        Spawn::new(CloneFlags::empty()).time_offsets(TimeOffset::from_secs(1), TimeOffset::ZERO);
    assert_eq!(timed.check(), Ok(()));
    assert_eq!(timed.check_exec(), Err(Rule::TimeOffsetsWithVm));
}

#[test]
fn a_stack_too_small_is_the_one_refusal_left_to_the_call_and_is_named() {
    let mut tiny = [0u8; 1024];
    let request = Spawn::new(CloneFlags::empty());
    assert_eq!(request.check(), Ok(()));
    // SAFETY: the closure would only return.
    let spawned = unsafe { request.spawn(&mut tiny, || 0) };
    assert_eq!(spawned.unwrap_err(), Error::Refused(Rule::StackTooSmall));
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let execed = request.exec(&mut tiny, c"/bin/true", argv, CStrArray::empty());
    let err = execed.unwrap_err();
    assert_eq!(err, Error::Refused(Rule::StackTooSmall));
    assert_eq!(err.errno(), nsclone::Errno::ENOMEM);
}
