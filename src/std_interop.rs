//! Conversions to std types, with feature `std` (the descriptors need
//! none: they are std's own, `sys/fd.rs`). Besides these,
//! only a closure's child uses std (`catch_unwind`, in spawn/placed.rs);
//! without the feature none of it is linked.

use crate::{
    Errno, Error, FlagError, InvalidSignal, ParseFlagsError, ParseNamespaceError, ParseSignalError,
    Refusal, Rule, StepError,
};

impl From<Errno> for std::io::Error {
    fn from(err: Errno) -> Self {
        std::io::Error::from_raw_os_error(err.raw())
    }
}

impl Errno {
    /// The errno inside an `io::Error` that came from the OS, if any.
    ///
    /// ```
    /// use nsclone::Errno;
    ///
    /// let io = std::io::Error::from(Errno::EPERM);
    /// assert_eq!(Errno::from_io_error(&io), Some(Errno::EPERM));
    /// ```
    pub fn from_io_error(err: &std::io::Error) -> Option<Errno> {
        err.raw_os_error().map(Errno::from_raw)
    }

    /// The `io::ErrorKind` std gives this errno (`ESRCH` is
    /// `Uncategorized`, `ENOENT` `NotFound`): std's own decoding, as for
    /// `io::Error::from_raw_os_error(errno).kind()`.
    ///
    /// ```
    /// use nsclone::Errno;
    /// use std::io::ErrorKind;
    ///
    /// assert_eq!(Errno::ENOENT.kind(), ErrorKind::NotFound);
    /// assert_eq!(Errno::EPERM.kind(), ErrorKind::PermissionDenied);
    /// ```
    pub fn kind(self) -> std::io::ErrorKind {
        std::io::Error::from(self).kind()
    }
}

impl std::error::Error for Errno {}

impl std::error::Error for FlagError {}

impl std::error::Error for ParseFlagsError {}

impl std::error::Error for ParseNamespaceError {}

impl std::error::Error for Rule {}

impl std::error::Error for Refusal {}

impl std::error::Error for StepError {}

impl std::error::Error for Error {}

impl std::error::Error for InvalidSignal {}

impl std::error::Error for ParseSignalError {}

/// `InvalidInput`, with the number in the message.
impl From<InvalidSignal> for std::io::Error {
    fn from(err: InvalidSignal) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, err)
    }
}

impl From<FlagError> for std::io::Error {
    fn from(err: FlagError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, err)
    }
}

/// Invalid flags and a refusal are `InvalidInput` with the rule or refusal
/// as the message, a kernel failure the OS error itself, a failed step the
/// kind of its errno with the step in the message.
impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        let invalid_input = std::io::ErrorKind::InvalidInput;
        match err {
            Error::Invalid(rule) => std::io::Error::new(invalid_input, rule),
            Error::Refused(refusal) => std::io::Error::new(invalid_input, refusal),
            Error::Kernel(errno) => errno.into(),
            Error::Step(step) => std::io::Error::new(step.errno().kind(), step),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{CloneFlags, Errno, Syscall};
    use std::string::ToString;

    #[test]
    fn errno_round_trips_through_io_error() {
        let io: std::io::Error = Errno::EPERM.into();
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(Errno::from_io_error(&io), Some(Errno::EPERM));
        let custom = std::io::Error::other("not from the OS");
        assert_eq!(Errno::from_io_error(&custom), None);
    }

    #[test]
    fn a_flag_error_is_an_invalid_input_io_error_naming_the_rule() {
        let err = (CloneFlags::NEWNS | CloneFlags::FS)
            .check(Syscall::Clone)
            .unwrap_err();
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(
            io.to_string(),
            "CLONE_NEWNS cannot be combined with CLONE_FS"
        );
    }

    #[test]
    fn an_error_converts_to_the_io_error_a_std_user_expects() {
        use crate::{Error, Refusal, Rule, Step};
        let invalid: std::io::Error = Error::Invalid(Rule::NewnsWithFs).into();
        assert_eq!(invalid.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(
            invalid.to_string(),
            "CLONE_NEWNS cannot be combined with CLONE_FS"
        );
        let refused: std::io::Error = Error::Refused(Refusal::SpawnSharesMemory).into();
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(
            refused.to_string(),
            "CLONE_VM needs the crate's own child code: use Spawn::exec or spawn_unchecked"
        );
        let kernel: std::io::Error = Error::Kernel(Errno::EPERM).into();
        assert_eq!(kernel.raw_os_error(), Some(Errno::EPERM.raw()));
        let step: std::io::Error = Error::Step(Step::GidMap.failed(Errno::EPERM)).into();
        assert_eq!(step.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            step.to_string(),
            "writing gid_map: EPERM: operation not permitted"
        );
    }

    #[test]
    fn a_namespace_parse_error_is_a_std_error() {
        let err = "bogus".parse::<crate::Namespace>().unwrap_err();
        let boxed: std::boxed::Box<dyn std::error::Error> = err.into();
        assert_eq!(boxed.to_string(), err.to_string());
    }

    #[test]
    fn every_public_error_type_is_a_std_error() {
        fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
        is_error::<crate::Error>();
        is_error::<Errno>();
        is_error::<crate::StepError>();
        is_error::<crate::FlagError>();
        is_error::<crate::ParseFlagsError>();
        is_error::<crate::Rule>();
        is_error::<crate::Refusal>();
        is_error::<crate::InvalidSignal>();
        is_error::<crate::ParseNamespaceError>();
    }

    #[test]
    fn errno_kinds_are_stds_and_a_boxed_errno_debug_prints_its_name() {
        use std::io::ErrorKind;
        assert_eq!(Errno::ENOENT.kind(), ErrorKind::NotFound);
        assert_eq!(Errno::EINTR.kind(), ErrorKind::Interrupted);
        assert_eq!(Errno::EAGAIN.kind(), ErrorKind::WouldBlock);
        assert_eq!(Errno::EEXIST.kind(), ErrorKind::AlreadyExists);
        let boxed: std::boxed::Box<dyn std::error::Error> = Errno::ESRCH.into();
        assert_eq!(
            std::format!("Error: {boxed:?}"),
            "Error: ESRCH: no such process"
        );
    }

    #[test]
    fn an_invalid_signal_is_an_invalid_input_io_error() {
        let io: std::io::Error = crate::Signal::from_raw(0).unwrap_err().into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(io.to_string(), "0 is not a signal number (1 to 64)");
    }
}
