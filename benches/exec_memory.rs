//! Item 3 of the benchmarks: starting `/bin/true` in new UTS, PID and mount
//! namespaces from a parent with 0, 1 and 4 GiB of touched memory, three ways
//! (`start.rs`). Each size is its own worker process (`worker.rs`) that
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

    println!(
        "### Start `/bin/true` in new uts+pid+mount namespaces, by parent size ({} rounds)\n",
        plan.rounds
    );
    println!("Times: median (10th–90th percentiles); ratios the same, round by round.\n");
    let mut header = vec!["parent memory".to_owned()];
    header.extend(Way::ALL.iter().map(|way| way.name().to_owned()));
    header.push("fork+unshare+exec ÷ `Spawn::exec`".to_owned());
    header.push(format!("`Spawn::exec` ÷ itself at {} GiB", sizes[0]));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = Table::new(&header);
    for (size, gib) in sizes.iter().enumerate() {
        let mut row = vec![format!("{gib} GiB")];
        for way in Way::ALL {
            let spread = Spread::of(of(size, way));
            row.push(format!(
                "{} ({})",
                table::median(spread),
                table::range(spread)
            ));
        }
        let fork_vs_vfork = ratios(of(size, Way::ForkUnshareExec), of(size, Way::VforkExec));
        let vfork_vs_empty = ratios(of(size, Way::VforkExec), of(0, Way::VforkExec));
        row.push(table::ratio(Spread::of(&fork_vs_vfork)));
        row.push(table::ratio(Spread::of(&vfork_vs_empty)));
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
