//! Signal names and numbers, for `--kill-child=SIG`.

/// The standard signals by name (without the `SIG` prefix).
const NAMES: &[(&[u8], i32)] = &[
    (b"HUP", 1),
    (b"INT", 2),
    (b"QUIT", 3),
    (b"ILL", 4),
    (b"TRAP", 5),
    (b"ABRT", 6),
    (b"BUS", 7),
    (b"FPE", 8),
    (b"KILL", 9),
    (b"USR1", 10),
    (b"SEGV", 11),
    (b"USR2", 12),
    (b"PIPE", 13),
    (b"ALRM", 14),
    (b"TERM", 15),
    (b"CHLD", 17),
    (b"CONT", 18),
    (b"STOP", 19),
    (b"TSTP", 20),
    (b"TTIN", 21),
    (b"TTOU", 22),
    (b"URG", 23),
    (b"XCPU", 24),
    (b"XFSZ", 25),
    (b"VTALRM", 26),
    (b"PROF", 27),
    (b"WINCH", 28),
    (b"IO", 29),
    (b"PWR", 30),
    (b"SYS", 31),
];

/// `KILL`, `SIGKILL`, `kill` or `9`: the signal's number, if it is one (1..=64).
pub fn signal_number(text: &[u8]) -> Option<i32> {
    if let Some(n) = crate::options::number(text) {
        return (1..=64).contains(&n).then_some(n as i32);
    }
    let name = match text.len() > 3 && text[..3].eq_ignore_ascii_case(b"SIG") {
        true => &text[3..],
        false => text,
    };
    NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|&(_, n)| n)
}
