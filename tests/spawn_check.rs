//! `Spawn::check` and `Spawn::check_exec` decide every refusal of `spawn`
//! and `exec`: over the builder's options and both entry points, a call is
//! refused before any syscall exactly when its check refuses, with the same
//! error, and a refused closure never runs. The error's kind says whose
//! refusal it is: what the crate does not refuse (`Error::Refused`), the
//! check answers exactly as `CloneFlags::check` does for the flags the
//! kernel would get (`Error::Invalid`, or nothing).

mod common;

use common::SharedPage;
use core::ffi::c_char;
use nsclone::{
    CStrArray, CloneFlags, Error, ExitStatus, IdMap, MmapStack, Refusal, SetGroups, Signal, Spawn,
    TimeOffset,
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

/// A request, and what of it reaches the kernel.
struct Request {
    spawn: Spawn<'static>,
    /// Whether it has ID maps.
    maps: bool,
    /// The flags of the clone: those asked for, `CLONE_PIDFD` for a pidfd,
    /// without the `CLONE_NEWTIME` a child with offsets makes itself.
    kernel_flags: CloneFlags,
    exit_signal: Option<Signal>,
}

impl Request {
    /// The kernel's rules for this request with `added` (exec's flags):
    /// `CloneFlags::check` for the syscall it will use, with the exit
    /// signal (0 for none).
    fn kernel_check(&self, added: CloneFlags) -> Result<(), Error> {
        let flags = self.kernel_flags | added;
        let exit_signal = self.exit_signal.map_or(0, Signal::raw) as u64;
        Ok(flags.check_with_exit_signal(self.spawn.syscall(), exit_signal)?)
    }
}

/// How the calls answered, by kind.
#[derive(Debug, Default)]
struct Tally {
    /// Refused by the crate (`Error::Refused`).
    refused: usize,
    /// Refused by the kernel's rules, before the kernel (`Error::Invalid`).
    invalid: usize,
    /// A child was created.
    created: usize,
}

impl Tally {
    /// Counts a call whose check said `checked` and that answered `result`,
    /// asserting that they agree, and that the kind is the right one: all
    /// the crate does not refuse, the kernel's rules decide.
    #[track_caller]
    fn count<T: core::fmt::Debug>(
        &mut self,
        request: &Request,
        added: CloneFlags,
        checked: Result<(), Error>,
        result: &Result<T, Error>,
    ) {
        let what = &request.spawn;
        assert_eq!(
            before_syscall(result),
            checked.err(),
            "{what:?}: {result:?}"
        );
        if !matches!(checked, Err(Error::Refused(_))) {
            assert_eq!(checked, request.kernel_check(added), "{what:?}");
        }
        match (checked, result) {
            (Err(Error::Refused(_)), _) => self.refused += 1,
            (Err(_), _) => self.invalid += 1,
            (Ok(()), Ok(_)) => self.created += 1,
            (Ok(()), Err(_)) => {}
        }
    }

    fn assert_each_seen(&self) {
        assert!(
            self.refused > 0 && self.invalid > 0 && self.created > 0,
            "{self:?}"
        );
    }
}

/// Every combination of the builder's options over [`flag_choices`].
fn requests() -> Vec<Request> {
    let mut requests = Vec::new();
    for flags in flag_choices() {
        for exit_signal in [Some(Signal::CHLD), None] {
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
                            let mut kernel_flags = flags;
                            if pidfd {
                                kernel_flags |= CloneFlags::PIDFD;
                            }
                            if time > 0 {
                                kernel_flags -= CloneFlags::NEWTIME;
                            }
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
                            requests.push(Request {
                                spawn: request,
                                maps: maps > 0,
                                kernel_flags,
                                exit_signal,
                            });
                        }
                    }
                }
            }
        }
    }
    requests
}

/// The answer of one call if it was refused before any syscall (by the
/// crate or by the kernel's rules), `None` for anything else (a child that
/// ran, or the kernel's or a step's error).
fn before_syscall<T>(result: &Result<T, Error>) -> Option<Error> {
    match result {
        Err(err @ (Error::Refused(_) | Error::Invalid(_))) => Some(*err),
        _ => None,
    }
}

#[test]
fn spawn_is_refused_exactly_when_check_refuses_and_with_its_error() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    let ran = SharedPage::new(0u32);
    let mut tally = Tally::default();
    for request in requests() {
        let what = &request.spawn;
        let checked = what.check();
        ran.set(0);
        // SAFETY: the closure only writes a shared page and returns.
        let result = unsafe {
            what.spawn(stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        tally.count(&request, CloneFlags::empty(), checked, &result);
        match result {
            Ok(mut child) => {
                assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{what:?}");
                assert_eq!(ran.get(), 1, "{what:?}");
            }
            Err(_) if checked.is_err() => {
                assert_eq!(ran.get(), 0, "{what:?}: a refused closure ran");
            }
            Err(_) => {}
        }
    }
    tally.assert_each_seen();
}

#[test]
fn exec_is_refused_exactly_when_check_exec_refuses_and_with_its_error() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let mut tally = Tally::default();
    for request in requests() {
        let what = &request.spawn;
        // exec's child shares our memory, and the parent waits in CLONE_VFORK
        // unless it writes ID maps while the child waits.
        let exec_flags = if request.maps {
            CloneFlags::VM
        } else {
            CloneFlags::VM | CloneFlags::VFORK
        };
        let checked = what.check_exec();
        let result = what.exec(stack.as_mut_slice(), c"/bin/true", argv, CStrArray::empty());
        tally.count(&request, exec_flags, checked, &result);
        if let Ok(mut child) = result {
            assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{what:?}");
        }
    }
    tally.assert_each_seen();
}

#[test]
fn the_two_entry_points_differ_only_where_exec_shares_memory() {
    // Closures never share our memory; exec's child always does, and so
    // cannot make a time namespace (it waits for ID maps without CLONE_VFORK).
    let vm_vfork = Spawn::new(CloneFlags::VM | CloneFlags::VFORK);
    assert_eq!(
        vm_vfork.check(),
        Err(Error::Refused(Refusal::SpawnSharesMemory))
    );
    assert_eq!(vm_vfork.check_exec(), Ok(()));
    let mapped = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
    assert_eq!(mapped.check(), Ok(()));
    assert_eq!(mapped.check_exec(), Ok(()));
    let timed =
        Spawn::new(CloneFlags::empty()).time_offsets(TimeOffset::from_secs(1), TimeOffset::ZERO);
    assert_eq!(timed.check(), Ok(()));
    assert_eq!(
        timed.check_exec(),
        Err(Error::Refused(Refusal::TimeOffsetsWithVm))
    );
}

#[test]
fn a_stack_too_small_is_the_one_refusal_left_to_the_call_and_is_named() {
    let mut tiny = [0u8; 1024];
    let request = Spawn::new(CloneFlags::empty());
    assert_eq!(request.check(), Ok(()));
    // SAFETY: the closure would only return.
    let spawned = unsafe { request.spawn(&mut tiny, || 0) };
    assert_eq!(spawned.unwrap_err(), Error::Refused(Refusal::StackTooSmall));
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let execed = request.exec(&mut tiny, c"/bin/true", argv, CStrArray::empty());
    let err = execed.unwrap_err();
    assert_eq!(err, Error::Refused(Refusal::StackTooSmall));
    assert_eq!(err.errno(), nsclone::Errno::ENOMEM);
}
