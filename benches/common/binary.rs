//! What an executable costs on disk: its stripped size, and the shared
//! libraries it loads (ldd(1)).

use std::path::Path;
use std::process::Command;

/// The size in bytes of `path` after strip(1), on a copy in the temp dir.
pub fn stripped_size(path: &Path) -> u64 {
    let name = path.file_name().expect("a file name").to_string_lossy();
    let copy = std::env::temp_dir().join(format!("nsclone-bench-stripped-{name}"));
    let status = Command::new("strip")
        .arg("-o")
        .arg(&copy)
        .arg(path)
        .status()
        .expect("run strip (binutils)");
    assert!(status.success(), "strip {}", path.display());
    let size = std::fs::metadata(&copy).expect("stripped copy").len();
    let _ = std::fs::remove_file(&copy);
    size
}

/// The shared libraries ldd(1) lists for `path` (their names), empty for a
/// static executable.
pub fn shared_libraries(path: &Path) -> Vec<String> {
    let output = Command::new("ldd").arg(path).output().expect("run ldd");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.contains(".so"))
        .map(str::to_owned)
        .collect()
}
