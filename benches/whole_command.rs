//! Item 4 of the benchmarks: the whole command, `nsrun -p -u -i -m
//! --mount-proc -- true` against util-linux `unshare --fork --pid --uts
//! --ipc --mount --mount-proc true`, in the same rounds, with each binary's
//! stripped size and shared libraries. Needs root.
//!
//! `true` alone runs in the same rounds: the floor both launchers stand on.
//!
//! `NSRUN=path cargo bench --bench whole_command [-- --rounds N --batch-ms N]`
//! (by default the nsrun this `cargo bench` built, with the bench profile;
//! `scripts/bench.sh` passes the release build, as users get it).

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
    // The program alone is the floor: what both launchers add is above it.
    let commands = [
        (&unshare, UNSHARE_ARGS),
        (&nsrun, NSRUN_ARGS),
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
