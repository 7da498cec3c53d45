//! Markdown output: a table with padded columns, and the cells for times and
//! ratios with their spread.

use super::stats::Spread;

/// A markdown table, printed with its columns padded to line up.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|cell| cell.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width = |c: usize| {
            let cells = self.rows.iter().filter_map(|row| row.get(c));
            cells.map(|cell| cell.chars().count()).max().unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        let line = |cells: Vec<String>| println!("| {} |", cells.join(" | "));
        for (i, row) in self.rows.iter().enumerate() {
            line(
                (0..columns)
                    .map(|c| pad(row.get(c).map_or("", String::as_str), widths[c]))
                    .collect(),
            );
            if i == 0 {
                line(widths.iter().map(|&w| "-".repeat(w.max(3))).collect());
            }
        }
        println!();
    }
}

fn pad(cell: &str, width: usize) -> String {
    format!(
        "{cell}{}",
        " ".repeat(width.saturating_sub(cell.chars().count()))
    )
}

/// A duration in nanoseconds, with three significant digits and a unit.
pub fn time(ns: f64) -> String {
    let (value, unit) = match ns {
        ns if ns < 1e3 => (ns, "ns"),
        ns if ns < 1e6 => (ns / 1e3, "µs"),
        ns if ns < 1e9 => (ns / 1e6, "ms"),
        ns => (ns / 1e9, "s"),
    };
    let decimals = match value {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {unit}")
}

/// A time's median.
pub fn median(spread: Spread) -> String {
    time(spread.median)
}

/// A time's 10th..90th percentile range.
pub fn range(spread: Spread) -> String {
    format!("{}–{}", time(spread.p10), time(spread.p90))
}

/// A ratio's median and its 10th..90th percentile range: three decimals
/// near 1 (where the targets are a few percent), whole numbers far above.
pub fn ratio(spread: Spread) -> String {
    let number = |r: f64| match r {
        r if r >= 100.0 => format!("{r:.0}"),
        r if r >= 10.0 => format!("{r:.1}"),
        r => format!("{r:.3}"),
    };
    format!(
        "{}× ({}–{})",
        number(spread.median),
        number(spread.p10),
        number(spread.p90)
    )
}
