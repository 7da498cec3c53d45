//! What nsclone's kernel-differential tests (`tests/flag_rules.rs`,
//! `tests/fuzz_corpus.rs`), the fuzz targets (`fuzz/`) and the VM runner
//! (`tests/vm`) share: the kernel's answer to a flags question beside
//! `CloneFlags::check`'s (`kernel_oracle`, `raw_clone`, `kbits`), the kernel
//! lines the crate depends on with their probes (`kernel_lines`), and under
//! feature `std` what the fuzz targets check (`invariants`). Not published:
//! the tests that use it are left out of nsclone's package.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod invariants;
pub mod kbits;
// no_std files of the integration tests' common module (which the
// published package's tests use without this kit), shared from there.
#[path = "../../common/kernel_lines.rs"]
pub mod kernel_lines;
pub mod kernel_oracle;
#[path = "../../common/raw_clone.rs"]
pub mod raw_clone;
