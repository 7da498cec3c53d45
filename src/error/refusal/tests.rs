//! Each refusal is the crate's own: a call of the crate returns it as
//! `Error::Refused`, before any syscall, in its words and with its errno.
//! (Each `Rule` is one `CloneFlags::check` returns: `flags/check/tests.rs`.)

extern crate std;

use super::*;
use crate::{
    check_id_map, check_unshare, write_id_maps, CStrArray, CloneFlags as F, Error, Fd, IdMap,
    Mount, SetGroups, Setup, Signal, Spawn, TimeOffset, MAX_FDS, MAX_ID_MAP_LINES,
};
use std::string::ToString;

/// Every refusal; a new one needs a line here and in [`refused_call`].
const REFUSALS: [Refusal; 28] = [
    Refusal::SpawnSharesMemory,
    Refusal::SpawnMakesThreads,
    Refusal::SpawnSetsTls,
    Refusal::SpawnSharesFiles,
    Refusal::SpawnHasNoTidPointers,
    Refusal::SpawnPidfdIsAnOption,
    Refusal::SpawnCgroupIsAnOption,
    Refusal::SpawnExitSignalInFlags,
    Refusal::SetTidTooLong,
    Refusal::IdMapsNeedNewuser,
    Refusal::IdMapsWithVfork,
    Refusal::TimeOffsetNanosecondsTooLarge,
    Refusal::TimeOffsetsWithVm,
    Refusal::StackTooSmall,
    Refusal::IdMapEmptyRange,
    Refusal::IdMapWraps,
    Refusal::IdMapOverlaps,
    Refusal::IdMapTooLong,
    Refusal::PidNegative,
    Refusal::UnshareNamespacesOnly,
    Refusal::TooManyFds,
    Refusal::FdNegative,
    Refusal::FdTargetTwice,
    Refusal::ParentDeathSignalWithVfork,
    Refusal::SeccompFilterLength,
    Refusal::IdmappedMountNeedsIdMaps,
    Refusal::TooManyIdmappedMounts,
    Refusal::ParentDeathSignalWithCloneParent,
];

/// One ID mapped to itself.
const ONE: IdMap = IdMap {
    inside: 0,
    outside: 0,
    count: 1,
};

/// A call that is refused with `refusal`, through the code that enforces
/// it. The match has no catch-all, so a refusal no call returns does not
/// build.
fn refused_call(refusal: Refusal) -> Result<(), Error> {
    let check = |flags| Spawn::new(flags).check();
    let mapped = |flags| Spawn::new(flags).id_maps(&[ONE], &[ONE], SetGroups::Deny);
    let timed = |nanoseconds| {
        let offset = TimeOffset {
            seconds: 0,
            nanoseconds,
        };
        Spawn::new(F::empty()).time_offsets(offset, TimeOffset::ZERO)
    };
    let map = |map: &[IdMap]| Ok(check_id_map(map)?);
    let set_up = |setup: &Setup<'_>| Spawn::new(F::empty()).setup(setup).check_exec();
    match refusal {
        Refusal::SpawnSharesMemory => check(F::VM),
        Refusal::SpawnMakesThreads => check(F::THREAD),
        Refusal::SpawnSetsTls => check(F::SETTLS),
        Refusal::SpawnSharesFiles => check(F::FILES),
        Refusal::SpawnHasNoTidPointers => check(F::CHILD_CLEARTID),
        Refusal::SpawnPidfdIsAnOption => check(F::PIDFD),
        Refusal::SpawnCgroupIsAnOption => check(F::INTO_CGROUP),
        Refusal::SpawnExitSignalInFlags => check(F::from_bits_retain(0x11)),
        Refusal::SetTidTooLong => Spawn::new(F::NEWPID).set_tid(&[1; 33]).check(),
        Refusal::IdMapsNeedNewuser => mapped(F::NEWPID).check(),
        Refusal::IdMapsWithVfork => mapped(F::NEWUSER | F::VFORK).check(),
        Refusal::TimeOffsetNanosecondsTooLarge => timed(1_000_000_000).check(),
        Refusal::TimeOffsetsWithVm => timed(0).check_exec(),
        Refusal::StackTooSmall => Spawn::new(F::empty())
            .exec(&mut [0; 64], c"/", CStrArray::empty(), CStrArray::empty())
            .map(drop),
        Refusal::IdMapEmptyRange => map(&[IdMap { count: 0, ..ONE }]),
        Refusal::IdMapWraps => map(&[IdMap {
            inside: u32::MAX,
            ..ONE
        }]),
        Refusal::IdMapOverlaps => map(&[ONE, ONE]),
        Refusal::IdMapTooLong => map(&[ONE; MAX_ID_MAP_LINES + 1]),
        Refusal::PidNegative => write_id_maps(-1, &[ONE], &[ONE], SetGroups::Deny),
        Refusal::UnshareNamespacesOnly => check_unshare(F::FILES),
        Refusal::TooManyFds => set_up(&Setup::new().close_other_fds(&[0; MAX_FDS + 1])),
        Refusal::FdNegative => set_up(&Setup::new().fds(&[Fd::copy(-1, 3)])),
        Refusal::FdTargetTwice => set_up(&Setup::new().fds(&[Fd::copy(1, 3), Fd::copy(2, 3)])),
        Refusal::SeccompFilterLength => set_up(&Setup::new().seccomp(&[])),
        Refusal::IdmappedMountNeedsIdMaps => {
            set_up(&Setup::new().mounts(&[Mount::bind_idmapped(c"/", c"/mnt")]))
        }
        Refusal::TooManyIdmappedMounts => Spawn::new(F::NEWUSER | F::NEWNS)
            .map_root_user()
            .setup(&Setup::new().mounts(&[Mount::bind_idmapped(c"/", c"/mnt"); 17]))
            .check(),
        Refusal::ParentDeathSignalWithVfork => Spawn::new(F::VFORK)
            .setup(&Setup::new().parent_death_signal(Signal::KILL))
            .check(),
        Refusal::ParentDeathSignalWithCloneParent => Spawn::new(F::PARENT)
            .setup(&Setup::new().parent_death_signal(Signal::KILL))
            .check_exec(),
    }
}

#[test]
fn every_refusal_is_returned_by_the_crate_as_refused_in_words_with_its_errno() {
    for (i, refusal) in REFUSALS.into_iter().enumerate() {
        assert!(!REFUSALS[..i].contains(&refusal), "{refusal:?} twice");
        let err = refused_call(refusal).expect_err("refused");
        assert_eq!(err, Error::Refused(refusal));
        assert_eq!((err.refusal(), err.rule()), (Some(refusal), None));
        assert!(!refusal.message().is_empty(), "{refusal:?}");
        assert_eq!(err.to_string(), refusal.message());
        let errno = match refusal {
            Refusal::StackTooSmall => Errno::ENOMEM,
            _ => Errno::EINVAL,
        };
        assert_eq!(err.errno(), errno, "{refusal:?}");
    }
}
