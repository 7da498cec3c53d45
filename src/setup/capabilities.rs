//! The capabilities a child keeps: its bounding set dropped to what is
//! asked before its IDs change, then its permitted, effective, inheritable
//! and ambient sets set after, as runc orders them.

use crate::error::Step;
use crate::setup::report::Failure;
use crate::sys::errno::Errno;
use crate::sys::process;

/// Capability sets, a bit per `CAP_*` number (`1 << CAP_NET_BIND_SERVICE`),
/// for [`Setup::capabilities`](crate::Setup::capabilities).
///
/// A program exec'd under a non-zero uid keeps only its ambient
/// capabilities (which must also be permitted and inheritable); one
/// exec'd as uid 0 gets its whole bounding set (execve(2) fills root's
/// permitted set from it), so the bounding set is what limits root.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Capabilities {
    /// What the process and every program it execs can ever have.
    pub bounding: u64,
    /// What it may make effective.
    pub permitted: u64,
    /// What it uses.
    pub effective: u64,
    /// What a program with the same file capabilities may keep.
    pub inheritable: u64,
    /// What a program without file capabilities keeps across execve.
    pub ambient: u64,
}

impl Capabilities {
    /// No capability at all, bounding set included.
    pub const NONE: Capabilities = Capabilities::only(0);

    /// `set` in every set: a program run under any uid has exactly these;
    /// [example](crate::Setup#examples).
    pub const fn only(set: u64) -> Capabilities {
        Capabilities {
            bounding: set,
            permitted: set,
            effective: set,
            inheritable: set,
            ambient: set,
        }
    }

    /// In the child, before its IDs change: drops every capability outside
    /// `bounding` from the bounding set (it needs `CAP_SETPCAP`, which it
    /// still has), and keeps the permitted set across the uid change.
    fn before_ids(&self) -> Result<(), Failure> {
        for cap in 0..u64::BITS {
            if self.bounding & 1 << cap != 0 {
                continue;
            }
            match process::drop_bounding(cap) {
                // Past the kernel's last capability.
                Err(Errno::EINVAL) => break,
                result => Failure::of(Step::Bounding, cap as usize, result)?,
            }
        }
        Failure::of(Step::Capabilities, 0, process::set_keep_caps(true))
    }

    /// In the child, after its IDs changed: sets the other four sets.
    fn after_ids(&self) -> Result<(), Failure> {
        let set = process::set_keep_caps(false).and_then(|()| {
            process::set_capabilities(self.effective, self.permitted, self.inheritable)
        });
        Failure::of(Step::Capabilities, 0, set)?;
        Failure::of(Step::Ambient, 0, process::clear_ambient())?;
        for cap in (0..u64::BITS).filter(|cap| self.ambient & 1 << cap != 0) {
            Failure::of(Step::Ambient, cap as usize, process::raise_ambient(cap))?;
        }
        Ok(())
    }
}

/// Capabilities to keep, with the code that sets them, named only by
/// [`Setup::capabilities`](crate::Setup::capabilities): a program that
/// keeps what it has links none of it.
#[derive(Copy, Clone, Debug)]
pub(super) struct Kept {
    caps: Capabilities,
    before_ids: fn(&Capabilities) -> Result<(), Failure>,
    after_ids: fn(&Capabilities) -> Result<(), Failure>,
}

impl Kept {
    pub(super) const fn new(caps: Capabilities) -> Kept {
        Kept {
            caps,
            before_ids: Capabilities::before_ids,
            after_ids: Capabilities::after_ids,
        }
    }

    pub(super) fn before_ids(&self) -> Result<(), Failure> {
        (self.before_ids)(&self.caps)
    }

    pub(super) fn after_ids(&self) -> Result<(), Failure> {
        (self.after_ids)(&self.caps)
    }
}
