//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`) through the
//! invariants the cargo-fuzz targets check (`nsclone_testkit::invariants`),
//! on stable and without cargo-fuzz.

use nsclone_testkit::invariants;

use invariants::kernel::Oracle;
use invariants::spawn_layout::{self, LayoutInput, REGION};
use invariants::FlagsInput;
use nsclone::MmapStack;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The replays that create processes run one at a time: each compares this
/// thread's children before and after a call, or reaps what a call made.
static PROCESSES: Mutex<()> = Mutex::new(());

/// Whether the tests run under qemu-user (the cargo runner sets this), which
/// rejects CLONE_NEW* flags, emulates CLONE_VM|CLONE_VFORK as fork and has no clone3.
fn under_qemu_user() -> bool {
    std::env::var_os("NSCLONE_QEMU_USER").is_some()
}

/// Every file of `fuzz/corpus/<target>/`, sorted.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("read the corpus directory").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
        .into_iter()
        .map(|path| {
            let data = std::fs::read(&path).expect("read a corpus file");
            (path, data)
        })
        .collect()
}

/// Runs `check` on every input of `target`'s corpus; a broken invariant
/// names the file.
fn replay(target: &str, mut check: impl FnMut(&[u8])) {
    let files = corpus(target);
    for (path, data) in &files {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(data))) {
            eprintln!("fuzz corpus file {} ({data:02x?}) fails", path.display());
            resume_unwind(panic);
        }
    }
    eprintln!("{target}: {} corpus inputs replayed", files.len());
}

#[test]
fn parse_corpus_keeps_its_invariants() {
    replay("parse", invariants::parse::check);
}

#[test]
fn check_corpus_keeps_its_invariants() {
    replay("check", |data| {
        invariants::check::check(FlagsInput::decode(data));
    });
}

#[test]
fn spawn_layout_corpus_keeps_its_invariants() {
    let _one_at_a_time = PROCESSES.lock().unwrap_or_else(|e| e.into_inner());
    let mut region = MmapStack::new(REGION).expect("mmap the region");
    let mut skipped = 0;
    replay("spawn_layout", |data| {
        let input = LayoutInput::decode(data);
        if under_qemu_user() && !input.runs_under_qemu_user() {
            skipped += 1;
            return;
        }
        spawn_layout::check(input, region.as_mut_slice());
    });
    if skipped > 0 {
        eprintln!(
            "SKIPPED {skipped} spawn_layout inputs: qemu-user has no clone3, refuses CLONE_NEWUSER and turns CLONE_VM|CLONE_VFORK into fork"
        );
    }
}

#[test]
fn kernel_corpus_agrees_with_check() {
    if under_qemu_user() {
        eprintln!("SKIPPED kernel corpus: qemu-user rejects CLONE_NEW* flags and clone3; the native tier replays it");
        return;
    }
    let _one_at_a_time = PROCESSES.lock().unwrap_or_else(|e| e.into_inner());
    let mut oracle = Oracle::new();
    let (major, minor) = oracle.kernel();
    eprintln!(
        "kernel {major}.{minor}, {}",
        if oracle.privileged() {
            "CAP_SYS_ADMIN"
        } else {
            "unprivileged"
        }
    );
    replay("kernel", |data| {
        let input = FlagsInput::decode(data);
        invariants::check::check(input);
        oracle.compare(input);
    });
}
