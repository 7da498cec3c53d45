//! What nsclone's kernel-differential tests (`tests/flag_rules.rs`,
//! `tests/fuzz_corpus.rs`), the fuzz targets (`fuzz/`) and the VM runner
//! (`tests/vm`) share: the kernel's answer to a flags question beside
//! `CloneFlags::check`'s (`kernel_oracle`, `raw_clone`, `kbits`), and under
//! feature `std` what the fuzz targets check (`invariants`). Not published:
//! the tests that use it are left out of nsclone's package.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod invariants;
pub mod kbits;
pub mod kernel_oracle;
pub mod raw_clone;
