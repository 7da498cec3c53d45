//! The command line, in util-linux `unshare`'s words (and `nsenter`'s for
//! joining): parsed without allocating, every mistake named.

use crate::args::{Args, CStrRef};
use crate::signal_names::signal_number;
use nsclone::CloneFlags;

/// What `--propagation` asks for the new mount namespace.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Propagation {
    Private,
    Slave,
    Shared,
    Unchanged,
}

/// The ID maps asked for with `-r`, `-c`, `--map-user`, `--map-group`.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Mapping {
    None,
    /// `-r`: uid and gid 0 inside are the caller's.
    Root,
    /// `-c`: the caller's uid and gid map to themselves.
    Current,
    /// `--map-user`/`--map-group`: the caller's IDs appear as these inside.
    To {
        uid: Option<u32>,
        gid: Option<u32>,
    },
}

/// Everything the command line says.
pub struct Options {
    /// Namespaces to create, or with `target`, to join.
    pub namespaces: CloneFlags,
    /// `-t PID`: join that process's namespaces instead of creating new ones.
    pub target: Option<i32>,
    pub mount_proc: Option<CStrRef>,
    pub propagation: Propagation,
    pub mapping: Mapping,
    /// `--setgroups allow|deny`; `None` means deny when mapping, as util-linux does.
    pub setgroups_allow: Option<bool>,
    pub hostname: Option<CStrRef>,
    pub root: Option<CStrRef>,
    pub wd: Option<CStrRef>,
    pub kill_child: Option<i32>,
    pub monotonic: Option<i64>,
    pub boottime: Option<i64>,
    /// The index in argv of the program; argv's end when none was given.
    pub program: usize,
}

/// What the command line asks nsrun to do.
pub enum Command {
    Run(Options),
    Help,
    Version,
}

/// A mistake on the command line: the option (or word) and what is wrong.
pub struct UsageError {
    pub option: CStrRef,
    pub problem: &'static str,
}

type Parsed<T> = Result<T, UsageError>;

/// The no-argument short options and the namespaces they select.
const NAMESPACE_LETTERS: &[(u8, &[u8], CloneFlags)] = &[
    (b'm', b"mount", CloneFlags::NEWNS),
    (b'u', b"uts", CloneFlags::NEWUTS),
    (b'i', b"ipc", CloneFlags::NEWIPC),
    (b'n', b"net", CloneFlags::NEWNET),
    (b'p', b"pid", CloneFlags::NEWPID),
    (b'U', b"user", CloneFlags::NEWUSER),
    (b'C', b"cgroup", CloneFlags::NEWCGROUP),
    (b'T', b"time", CloneFlags::NEWTIME),
];

impl Options {
    fn new() -> Options {
        Options {
            namespaces: CloneFlags::empty(),
            target: None,
            mount_proc: None,
            propagation: Propagation::Private,
            mapping: Mapping::None,
            setgroups_allow: None,
            hostname: None,
            root: None,
            wd: None,
            kill_child: None,
            monotonic: None,
            boottime: None,
            program: 0,
        }
    }
}

/// Parses argv (after the program name).
pub fn parse(args: &Args) -> Parsed<Command> {
    let mut options = Options::new();
    let mut index = 1;
    while let Some(word) = args.get(index) {
        index += 1;
        let bytes = word.bytes();
        if bytes == b"--" {
            break;
        }
        if let Some(long) = bytes.strip_prefix(b"--") {
            let (name, value) = split_value(long);
            match long_option(&mut options, word, name, value, args, &mut index)? {
                Some(command) => return Ok(command),
                None => continue,
            }
        }
        if bytes.len() > 1 && bytes[0] == b'-' {
            if let Some(command) = short_options(&mut options, word, args, &mut index)? {
                return Ok(command);
            }
            continue;
        }
        // The first word that is not an option starts the program.
        index -= 1;
        break;
    }
    options.program = index;
    finish(options)
}

/// `name=value` into its parts.
fn split_value(long: &[u8]) -> (&[u8], Option<&[u8]>) {
    match long.iter().position(|&b| b == b'=') {
        Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
        None => (long, None),
    }
}

/// One `--name[=value]`; `Some` when it ends parsing (help, version).
fn long_option(
    options: &mut Options,
    word: CStrRef,
    name: &[u8],
    inline: Option<&[u8]>,
    args: &Args,
    index: &mut usize,
) -> Parsed<Option<Command>> {
    let no_value = |value: Option<&[u8]>| match value {
        None => Ok(()),
        Some(_) => Err(UsageError {
            option: word,
            problem: "takes no value",
        }),
    };
    // A required value: after `=` or in the next word.
    let mut required = || -> Parsed<CStrRef> {
        match inline {
            Some(_) => Ok(word.after_equals()),
            None => take_next(word, args, index),
        }
    };
    if let Some(&(_, _, flag)) = NAMESPACE_LETTERS.iter().find(|(_, long, _)| *long == name) {
        no_value(inline)?;
        options.namespaces |= flag;
        return Ok(None);
    }
    match name {
        b"fork" => no_value(inline)?,
        b"help" => return Ok(Some(Command::Help)),
        b"version" => return Ok(Some(Command::Version)),
        b"map-root-user" => set_mapping(options, word, Mapping::Root)?,
        b"map-current-user" => set_mapping(options, word, Mapping::Current)?,
        b"mount-proc" => {
            options.mount_proc = Some(match inline {
                Some(_) => word.after_equals(),
                None => CStrRef::from_static(c"/proc"),
            });
        }
        b"kill-child" => {
            options.kill_child = Some(match inline {
                Some(text) => signal_number(text).ok_or(UsageError {
                    option: word,
                    problem: "is not a signal name or number",
                })?,
                None => linux_raw_sys::general::SIGKILL as i32,
            });
        }
        b"propagation" => options.propagation = propagation(word, required()?)?,
        b"setgroups" => options.setgroups_allow = Some(setgroups(word, required()?)?),
        b"map-user" => map_to(options, word, required()?, true)?,
        b"map-group" => map_to(options, word, required()?, false)?,
        b"hostname" => options.hostname = Some(required()?),
        b"root" => options.root = Some(required()?),
        b"wd" => options.wd = Some(required()?),
        b"target" => options.target = Some(pid(word, required()?)?),
        b"monotonic" => options.monotonic = Some(seconds(word, required()?)?),
        b"boottime" => options.boottime = Some(seconds(word, required()?)?),
        _ => {
            return Err(UsageError {
                option: word,
                problem: "is not an option (see --help)",
            })
        }
    }
    Ok(None)
}

/// A bundle of short options (`-mpu`, `-tPID`, `-w DIR`).
fn short_options(
    options: &mut Options,
    word: CStrRef,
    args: &Args,
    index: &mut usize,
) -> Parsed<Option<Command>> {
    let bytes = word.bytes();
    for (at, &letter) in bytes.iter().enumerate().skip(1) {
        if let Some(&(_, _, flag)) = NAMESPACE_LETTERS
            .iter()
            .find(|(short, _, _)| *short == letter)
        {
            options.namespaces |= flag;
            continue;
        }
        // An option with a value takes the rest of the word, or the next word.
        let mut value = || match at + 1 < bytes.len() {
            true => Ok(word.suffix(at + 1)),
            false => take_next(word, args, index),
        };
        match letter {
            b'f' => {}
            b'h' => return Ok(Some(Command::Help)),
            b'V' => return Ok(Some(Command::Version)),
            b'r' => set_mapping(options, word, Mapping::Root)?,
            b'c' => set_mapping(options, word, Mapping::Current)?,
            b't' => {
                options.target = Some(pid(word, value()?)?);
                return Ok(None);
            }
            b'R' => {
                options.root = Some(value()?);
                return Ok(None);
            }
            b'w' => {
                options.wd = Some(value()?);
                return Ok(None);
            }
            _ => {
                return Err(UsageError {
                    option: word,
                    problem: "is not an option (see --help)",
                })
            }
        }
    }
    Ok(None)
}

/// The word after `word`, which needs a value.
fn take_next(word: CStrRef, args: &Args, index: &mut usize) -> Parsed<CStrRef> {
    let value = args.get(*index).ok_or(UsageError {
        option: word,
        problem: "needs a value",
    })?;
    *index += 1;
    Ok(value)
}

fn set_mapping(options: &mut Options, word: CStrRef, mapping: Mapping) -> Parsed<()> {
    if options.mapping != Mapping::None && options.mapping != mapping {
        return Err(UsageError {
            option: word,
            problem: "conflicts with another user mapping option",
        });
    }
    options.mapping = mapping;
    Ok(())
}

fn map_to(options: &mut Options, word: CStrRef, value: CStrRef, user: bool) -> Parsed<()> {
    let id = number(value.bytes())
        .filter(|&id| id < u64::from(u32::MAX))
        .ok_or(UsageError {
            option: word,
            problem: "needs a numeric ID",
        })? as u32;
    let (mut uid, mut gid) = match options.mapping {
        Mapping::To { uid, gid } => (uid, gid),
        Mapping::None => (None, None),
        _ => {
            return Err(UsageError {
                option: word,
                problem: "conflicts with another user mapping option",
            })
        }
    };
    *(if user { &mut uid } else { &mut gid }) = Some(id);
    options.mapping = Mapping::To { uid, gid };
    Ok(())
}

fn propagation(word: CStrRef, value: CStrRef) -> Parsed<Propagation> {
    match value.bytes() {
        b"private" => Ok(Propagation::Private),
        b"slave" => Ok(Propagation::Slave),
        b"shared" => Ok(Propagation::Shared),
        b"unchanged" => Ok(Propagation::Unchanged),
        _ => Err(UsageError {
            option: word,
            problem: "takes slave, shared, private or unchanged",
        }),
    }
}

fn setgroups(word: CStrRef, value: CStrRef) -> Parsed<bool> {
    match value.bytes() {
        b"allow" => Ok(true),
        b"deny" => Ok(false),
        _ => Err(UsageError {
            option: word,
            problem: "takes allow or deny",
        }),
    }
}

fn pid(word: CStrRef, value: CStrRef) -> Parsed<i32> {
    number(value.bytes())
        .filter(|&pid| (1..=i32::MAX as u64).contains(&pid))
        .map(|pid| pid as i32)
        .ok_or(UsageError {
            option: word,
            problem: "needs a process ID",
        })
}

fn seconds(word: CStrRef, value: CStrRef) -> Parsed<i64> {
    let bytes = value.bytes();
    let (negative, digits) = match bytes.strip_prefix(b"-") {
        Some(digits) => (true, digits),
        None => (false, bytes),
    };
    number(digits)
        .and_then(|n| i64::try_from(n).ok())
        .map(|n| if negative { -n } else { n })
        .ok_or(UsageError {
            option: word,
            problem: "needs a whole number of seconds",
        })
}

/// A decimal number without sign, or `None`.
pub fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let digit = d.checked_sub(b'0').filter(|&d| d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Implied namespaces and combinations that cannot work.
fn finish(mut options: Options) -> Parsed<Command> {
    if options.mount_proc.is_some() {
        options.namespaces |= CloneFlags::NEWNS;
    }
    if options.hostname.is_some() {
        options.namespaces |= CloneFlags::NEWUTS;
    }
    if options.monotonic.is_some() || options.boottime.is_some() {
        options.namespaces |= CloneFlags::NEWTIME;
    }
    if options.mapping != Mapping::None || options.setgroups_allow.is_some() {
        options.namespaces |= CloneFlags::NEWUSER;
    }
    Ok(Command::Run(options))
}
