//! Moving into namespaces and naming them, for the caller itself: unshare,
//! setns, namespace files and ids, pidfds, and why a user namespace was
//! refused. Uses `sys`, `flags` and `error`.

pub(crate) mod ns_file;
pub(crate) mod pidfd;
pub(crate) mod unshare;
pub(crate) mod userns_refusal;
