//! Item 4 of the benchmarks: the whole command, `nsrun -p -u -i -m
//! --mount-proc -- true` against util-linux `unshare --fork --pid --uts
//! --ipc --mount --mount-proc true`, in the same rounds, with each binary's
//! stripped size and shared libraries. Needs root.
//!
//! `true` alone runs in the same rounds: the floor every launcher stands
//! on; and so does `benches/floor-launcher`, the least a launcher can do for
//! the same command (one clone, private propagation, a new proc, execve;
//! no init, no libc). Below the table, the two goals: nsrun's overhead
//! above `true` against unshare's, and nsrun's time against the floor
//! launcher's, each taken round by round.
//!
//! `NSRUN=path FLOOR_LAUNCHER=path cargo bench --bench whole_command [--
//! --rounds N --batch-ms N]` (by default the nsrun this `cargo bench`
//! built, with the bench profile, and a floor launcher built here;
//! `scripts/bench.sh` passes release builds of both, as users get them).

mod common;

use common::binary::{shared_libraries, stripped_size};
use common::race::{race, Contender, Plan};
use common::stats::{ratios, Spread};
use common::table::{self, Table};
use std::path::{Path, PathBuf};
use std::process::Command;

const NSRUN_ARGS: &[&str] = &["-p", "-u", "-i", "-m", "--mount-proc", "--", "true"];
const UNSHARE_ARGS: &[&str] = &[
    "--fork",
    "--pid",
    "--uts",
    "--ipc",
    "--mount",
    "--mount-proc",
    "true",
];

fn main() {
    if !common::is_root() {
        common::skip("whole_command", "needs root for PID and mount namespaces");
    }
    let plan = Plan::from_args(101, 30);
    let nsrun =
        std::env::var_os("NSRUN").map_or_else(|| env!("CARGO_BIN_EXE_nsrun").into(), PathBuf::from);
    let unshare = on_path("unshare").expect("util-linux unshare on PATH");
    let floor = on_path("true").expect("true on PATH");
    let floor_arg = floor.to_str().expect("a UTF-8 path");
    let launcher = floor_launcher();
    // The program alone is the floor: what the launchers add is above it.
    let commands = [
        (&unshare, UNSHARE_ARGS),
        (&nsrun, NSRUN_ARGS),
        (&launcher, &[floor_arg][..]),
        (&floor, &[][..]),
    ];
    let mut contenders = commands.map(|(program, args)| {
        let name = program.file_name().expect("a file name").to_string_lossy();
        let line: Vec<&str> = [&*name].into_iter().chain(args.iter().copied()).collect();
        Contender::timed(format!("`{}`", line.join(" ")), move || run(program, args))
    });
    let samples = race(&mut contenders, &plan);

    println!("### Whole command ({} rounds)\n", plan.rounds);
    let mut out = Table::new(&[
        "command",
        "median",
        "p10–p90",
        "speed-up: unshare ÷ this (p10–p90)",
        "stripped size",
        "shared libraries (ldd)",
    ]);
    for ((contender, times), (program, _)) in contenders.iter().zip(&samples).zip(commands) {
        let spread = Spread::of(times);
        let libraries = shared_libraries(program);
        out.row(vec![
            contender.name.clone(),
            table::median(spread),
            table::range(spread),
            table::ratio(Spread::of(&ratios(&samples[0], times))),
            kib(stripped_size(program)),
            match libraries.is_empty() {
                true => "none (static)".to_owned(),
                false => libraries.join(", "),
            },
        ]);
    }
    out.print();
    let (unshare, nsrun, launcher, floor) = (&samples[0], &samples[1], &samples[2], &samples[3]);
    let above =
        |times: &[f64]| -> Vec<f64> { times.iter().zip(floor).map(|(t, f)| t - f).collect() };
    println!(
        "nsrun's overhead above `true` ÷ unshare's: {} (goal at most 0.25); \
         nsrun ÷ the floor launcher: {} (goal at most 1.15).\n",
        table::ratio(Spread::of(&ratios(&above(nsrun), &above(unshare)))),
        table::ratio(Spread::of(&ratios(nsrun, launcher))),
    );
}

/// The floor launcher as `FLOOR_LAUNCHER` names it, or built here (release,
/// in a target directory of its own, so no lock is shared with this build).
fn floor_launcher() -> PathBuf {
    if let Some(path) = std::env::var_os("FLOOR_LAUNCHER") {
        return path.into();
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("floor-launcher");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/floor-launcher/Cargo.toml");
    let status = Command::new(env!("CARGO"))
        .args(["build", "-q", "--release", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("start cargo");
    assert!(status.success(), "building the floor launcher: {status}");
    target.join("release/floor-launcher")
}

/// Runs `program args` to the end and checks that it succeeded.
fn run(program: &Path, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .expect("start the command");
    assert!(
        status.success(),
        "{} exited with {status}",
        program.display()
    );
}

/// The first `name` in a directory of PATH, resolved once so that neither
/// contender pays for the search.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

fn kib(bytes: u64) -> String {
    format!("{bytes} B ({:.1} KiB)", bytes as f64 / 1024.0)
}
