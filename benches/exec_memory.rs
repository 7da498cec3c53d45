//! Item 3 of the benchmarks: starting `/bin/true` from a parent with 0, 1
//! and 4 GiB of touched memory (`start.rs`): in new UTS, PID and mount
//! namespaces three ways; in the caller's namespaces through `Spawn::exec`
//! with and without a program's steps, beside glibc's `posix_spawn` and
//! std's `Command`; in a container's namespaces with and without its steps. Each size is its own worker process (`worker.rs`) that
//! touches its memory once and then runs the batches asked of it, so every
//! size and every way take turns in the same rounds. Needs root.
//!
//! `cargo bench --bench exec_memory [-- --rounds N --batch-ms N --gib 0,1,4]`

mod common;
#[path = "exec_memory/start.rs"]
mod start;
#[path = "exec_memory/worker.rs"]
mod worker;

use common::race::{race, Contender, Plan};
use common::stats::{ratios, Spread};
use common::table::{self, Table};
use start::Way;
use std::cell::RefCell;
use worker::Worker;

fn main() {
    if let Some(gib) = worker::requested() {
        return worker::serve(gib);
    }
    if !common::is_root() {
        common::skip("exec_memory", "needs root for PID and mount namespaces");
    }
    let plan = Plan::from_args(21, 50);
    let sizes = if plan.smoke {
        vec![0]
    } else {
        sizes_from_args()
    };
    let workers: Vec<RefCell<Worker>> = sizes
        .iter()
        .map(|&gib| RefCell::new(Worker::start(gib)))
        .collect();
    for worker in &workers {
        worker.borrow_mut().wait_ready();
    }
    let mut contenders = Vec::new();
    for (worker, gib) in workers.iter().zip(&sizes) {
        for way in Way::ALL {
            let name = format!("{gib} GiB: {}", way.name());
            contenders.push(Contender::new(name, move |iters| {
                worker.borrow_mut().batch(way, iters)
            }));
        }
    }
    let samples = race(&mut contenders, &plan);
    // Samples of `way` in the parent of the `size`th size.
    let of = |size: usize, way: Way| &samples[size * Way::ALL.len() + way as usize];

    let rounds = plan.rounds;
    let title = format!(
        "Start `/bin/true` in new uts+pid+mount namespaces, by parent size ({rounds} rounds)"
    );
    let ratios_of = [(
        "fork+unshare+exec ÷ `Spawn::exec`",
        Way::ForkUnshareExec,
        Way::VforkExec,
    )];
    print_table(&title, &sizes, &Way::NAMESPACED, &ratios_of, &of, true);
    let title = format!(
        "Start `/bin/true` beside `posix_spawn` and `Command`, by parent size ({rounds} rounds)"
    );
    let ratios_of = [
        ("`Spawn::exec` ÷ `posix_spawn`", Way::Exec, Way::PosixSpawn),
        (
            "a program's steps ÷ no steps",
            Way::ExecWithSteps,
            Way::Exec,
        ),
        ("`Command` ÷ `Spawn::exec`", Way::Command, Way::Exec),
    ];
    print_table(&title, &sizes, &Way::PROGRAM, &ratios_of, &of, false);
    let title = format!("Start `/usr/bin/true` in a container's namespaces, with and without its steps ({rounds} rounds)");
    let ratios_of = [(
        "with steps ÷ without",
        Way::ExecContainerWithSteps,
        Way::ExecContainer,
    )];
    print_table(&title, &sizes, &Way::CONTAINED, &ratios_of, &of, false);
}

/// A table of `ways` by parent size: each way's median and spread, then
/// each ratio (a ÷ b, round by round) of `ratios_of`, and with
/// `against_first` the first way against itself at the first size.
fn print_table<'s>(
    title: &str,
    sizes: &[u64],
    ways: &[Way],
    ratios_of: &[(&str, Way, Way)],
    of: &impl Fn(usize, Way) -> &'s Vec<f64>,
    against_first: bool,
) {
    println!("### {title}\n");
    println!("Times: median (10th–90th percentiles); ratios the same, round by round.\n");
    let mut header = vec!["parent memory".to_owned()];
    header.extend(ways.iter().map(|way| way.name().to_owned()));
    header.extend(ratios_of.iter().map(|(name, ..)| name.to_string()));
    if against_first {
        header.push(format!("{} ÷ itself at {} GiB", ways[0].name(), sizes[0]));
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = Table::new(&header);
    for (size, gib) in sizes.iter().enumerate() {
        let mut row = vec![format!("{gib} GiB")];
        for &way in ways {
            let spread = Spread::of(of(size, way));
            row.push(format!(
                "{} ({})",
                table::median(spread),
                table::range(spread)
            ));
        }
        for &(_, a, b) in ratios_of {
            row.push(table::ratio(Spread::of(&ratios(of(size, a), of(size, b)))));
        }
        if against_first {
            let against = ratios(of(size, ways[0]), of(0, ways[0]));
            row.push(table::ratio(Spread::of(&against)));
        }
        out.row(row);
    }
    out.print();
}

/// The parent sizes in GiB from `--gib 0,1,4` (the default); the first is
/// the one the others are compared with.
fn sizes_from_args() -> Vec<u64> {
    let args: Vec<String> = std::env::args().collect();
    let list = match args.iter().position(|arg| arg == "--gib") {
        Some(at) => args.get(at + 1).expect("--gib takes a list").as_str(),
        None => "0,1,4",
    };
    list.split(',')
        .map(|gib| gib.parse().expect("--gib: whole GiB"))
        .collect()
}
