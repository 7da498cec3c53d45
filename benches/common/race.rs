//! Interleaved rounds: every contender runs one batch per round, in an order
//! that rotates and reverses from round to round, so that drift in a noisy
//! machine (frequency, neighbours, caches) falls on all of them alike and
//! ratios can be taken round by round.

use std::time::{Duration, Instant};

/// One thing measured: runs a batch of iterations and says how long it took.
pub struct Contender<'a> {
    pub name: String,
    run: Box<dyn FnMut(u32) -> Duration + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender that times its batches itself (in another process, say).
    pub fn new(name: impl Into<String>, run: impl FnMut(u32) -> Duration + 'a) -> Self {
        Contender {
            name: name.into(),
            run: Box::new(run),
        }
    }

    /// A contender whose batch is `one` run `iters` times, timed around the loop.
    pub fn timed(name: impl Into<String>, mut one: impl FnMut() + 'a) -> Self {
        Contender::new(name, move |iters| {
            let start = Instant::now();
            for _ in 0..iters {
                one();
            }
            start.elapsed()
        })
    }
}

/// How long to measure.
#[derive(Copy, Clone, Debug)]
pub struct Plan {
    pub rounds: usize,
    /// The time one batch of each contender should take.
    pub batch: Duration,
    /// A compile-and-run check, not a measurement: one round of one iteration.
    pub smoke: bool,
}

impl Plan {
    /// The plan from the command line. `cargo bench` passes `--bench`;
    /// without it (`cargo test --benches`) this is a smoke run. `--rounds N`
    /// and `--batch-ms N` override the benchmark's defaults.
    pub fn from_args(rounds: usize, batch_ms: u64) -> Plan {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let value = |name: &str| {
            let at = args.iter().position(|arg| arg == name)?;
            let value = args.get(at + 1).and_then(|v| v.parse().ok());
            Some(value.unwrap_or_else(|| panic!("{name} takes a number")))
        };
        if !args.iter().any(|arg| arg == "--bench") {
            return Plan {
                rounds: 1,
                batch: Duration::ZERO,
                smoke: true,
            };
        }
        Plan {
            rounds: value("--rounds").map_or(rounds, |n| n as usize),
            batch: Duration::from_millis(value("--batch-ms").unwrap_or(batch_ms)),
            smoke: false,
        }
    }
}

/// Runs every contender once per round and returns, per contender, the time
/// of one iteration in each round, in nanoseconds.
pub fn race(contenders: &mut [Contender<'_>], plan: &Plan) -> Vec<Vec<f64>> {
    let iters: Vec<u32> = contenders
        .iter_mut()
        .map(|contender| batch_size(contender, plan.batch))
        .collect();
    let mut samples = vec![Vec::with_capacity(plan.rounds); contenders.len()];
    for round in 0..plan.rounds {
        for i in round_order(contenders.len(), round) {
            let elapsed = (contenders[i].run)(iters[i]);
            samples[i].push(elapsed.as_nanos() as f64 / f64::from(iters[i]));
        }
    }
    samples
}

/// The order of round `round`: rotated by one each round, and backwards on
/// odd rounds, so no contender always follows the same one.
fn round_order(n: usize, round: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).map(|i| (i + round) % n).collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// The iterations that take about `batch`, after one to warm up: the count
/// grows until a batch takes a quarter of that, then the median of three
/// batches of that count is scaled up, so that one slow moment of the
/// machine does not shrink every batch.
fn batch_size(contender: &mut Contender<'_>, batch: Duration) -> u32 {
    let warm_up = (contender.run)(1);
    if warm_up >= batch {
        return 1;
    }
    let mut iters = 1u32;
    while iters < 1 << 20 && (contender.run)(iters) < batch / 4 {
        iters *= 4;
    }
    let mut tries: [Duration; 3] = std::array::from_fn(|_| (contender.run)(iters));
    tries.sort();
    let scaled = batch.as_secs_f64() / tries[1].as_secs_f64().max(1e-9) * f64::from(iters);
    scaled.clamp(1.0, f64::from(u32::MAX)) as u32
}
