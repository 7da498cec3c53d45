//! Resource limits a child sets for itself (prlimit(2)).

use crate::sys::errno::Result;
use crate::sys::process;

/// Declares [`Resource`] with the kernel's numbers and names, from one table.
macro_rules! resources {
    ($($(#[$doc:meta])* $variant:ident = $number:literal, $name:literal;)*) => {
        /// A resource a [`Limit`] bounds (getrlimit(2)).
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum Resource {
            $($(#[$doc])* $variant = $number,)*
        }

        impl Resource {
            /// The kernel's name, `RLIMIT_NOFILE`.
            ///
            /// ```
            /// use nsclone::Resource;
            ///
            /// assert_eq!(Resource::OpenFiles.name(), "RLIMIT_NOFILE");
            /// ```
            pub const fn name(self) -> &'static str {
                match self {
                    $(Resource::$variant => $name,)*
                }
            }
        }
    };
}

resources! {
    /// CPU time, in seconds.
    Cpu = 0, "RLIMIT_CPU";
    /// The largest file the process may create, in bytes.
    FileSize = 1, "RLIMIT_FSIZE";
    /// The data segment, in bytes.
    Data = 2, "RLIMIT_DATA";
    /// The main thread's stack, in bytes.
    Stack = 3, "RLIMIT_STACK";
    /// Core dumps, in bytes.
    Core = 4, "RLIMIT_CORE";
    /// Resident memory (not enforced by Linux).
    Rss = 5, "RLIMIT_RSS";
    /// Processes of the real user ID.
    Processes = 6, "RLIMIT_NPROC";
    /// One more than the highest descriptor number.
    OpenFiles = 7, "RLIMIT_NOFILE";
    /// Locked memory, in bytes.
    LockedMemory = 8, "RLIMIT_MEMLOCK";
    /// The address space, in bytes.
    AddressSpace = 9, "RLIMIT_AS";
    /// File locks (not enforced by Linux).
    Locks = 10, "RLIMIT_LOCKS";
    /// Queued signals of the real user ID.
    PendingSignals = 11, "RLIMIT_SIGPENDING";
    /// POSIX message queues' bytes, per real user ID.
    MessageQueues = 12, "RLIMIT_MSGQUEUE";
    /// The ceiling of the nice value, as `20 - limit`.
    Nice = 13, "RLIMIT_NICE";
    /// The ceiling of the real-time priority.
    RealtimePriority = 14, "RLIMIT_RTPRIO";
    /// Real-time CPU time without a blocking call, in microseconds.
    RealtimeTime = 15, "RLIMIT_RTTIME";
}

/// A resource limit the child sets: `soft` is enforced, `hard` caps it;
/// [`Limit::INFINITY`] for none. Raising `hard` needs `CAP_SYS_RESOURCE`.
///
/// # Examples
///
/// A program that may open at most 64 files and dumps no core, as
/// systemd's `LimitNOFILE=64` and `LimitCORE=0` leave a service:
///
/// ```
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, Limit, Resource, Setup, Spawn, EXEC_STACK};
///
/// let limits = [
///     Limit { resource: Resource::OpenFiles, soft: 64, hard: 64 },
///     Limit { resource: Resource::Core, soft: 0, hard: 0 },
/// ];
/// let setup = Setup::new().limits(&limits);
/// let test = c"[ $(ulimit -n) = 64 ] && [ $(ulimit -c) = 0 ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let request = Spawn::new(CloneFlags::empty()).setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Limit {
    /// What it limits.
    pub resource: Resource,
    /// The limit enforced.
    pub soft: u64,
    /// The most `soft` may be raised to.
    pub hard: u64,
}

impl Limit {
    /// No limit (`RLIM_INFINITY`).
    pub const INFINITY: u64 = u64::MAX;

    /// Sets it for the calling process, before the identity steps (only
    /// a privileged process may raise a hard limit): all of it, but a
    /// limit on open files only as far as it raises the current one, as
    /// the descriptors step needs numbers above its targets; the rest of
    /// that one comes after it ([`set_late`](Self::set_late)).
    pub(super) fn set_early(&self) -> Result<()> {
        let resource = self.resource as u32;
        if self.resource != Resource::OpenFiles {
            return process::set_limit(resource, self.soft, self.hard);
        }
        let (soft, hard) = process::limit(resource)?;
        process::set_limit(resource, self.soft.max(soft), self.hard.max(hard))
    }

    /// After the descriptors step: a limit on open files, as asked (any
    /// process may lower its limits).
    pub(super) fn set_late(&self) -> Result<()> {
        match self.resource {
            Resource::OpenFiles => process::set_limit(self.resource as u32, self.soft, self.hard),
            _ => Ok(()),
        }
    }
}
