//! The command line, in util-linux `unshare`'s words (and `nsenter`'s for
//! joining): parsed without allocating, every mistake named. One table
//! holds every option, so a short and a long spelling take the same path;
//! its namespace options come from nsclone's table of kinds.

use crate::args::{Args, CStrRef};
use crate::namespace_options::{self, Packed};
use crate::signal_names::signal_number;
use crate::words::find_word;
use nsclone::{CloneFlags, Namespace};

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
    /// `--map-user`/`--map-group`: the caller's IDs appear as
    /// [`Options::map_user`] and [`Options::map_group`] inside.
    To,
}

/// Everything the command line says.
pub struct Options {
    /// Namespaces to create, or with `target`, to join.
    pub namespaces: CloneFlags,
    /// `-t PID`: join that process's namespaces instead of creating new ones.
    pub target: Option<i32>,
    /// `--preserve-credentials`: keep nsrun's IDs when joining a user namespace.
    pub preserve_credentials: bool,
    pub mount_proc: Option<CStrRef>,
    pub propagation: Propagation,
    pub mapping: Mapping,
    /// `--map-user=UID`: the uid inside that maps to the caller's.
    pub map_user: Option<u32>,
    /// `--map-group=GID`: the gid inside that maps to the caller's.
    pub map_group: Option<u32>,
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
    /// The words of options that must not meet, for the error.
    words: Words,
}

/// The first word of each kind of option that conflicts with another:
/// `-t` and one that changes namespaces; a group map and `--setgroups allow`.
#[derive(Default)]
struct Words {
    target: Option<CStrRef>,
    /// One that creates or changes a namespace, which joining must not.
    changing: Option<CStrRef>,
    group_map: Option<CStrRef>,
}

/// What the command line asks nsrun to do.
pub enum Command {
    /// Run the program as [`Options`] say.
    Run,
    Help,
    Version,
}

/// A mistake on the command line: the option (or word), what is wrong,
/// and the option it conflicts with, if that is the problem.
pub struct UsageError {
    pub option: CStrRef,
    pub problem: &'static str,
    pub other: Option<CStrRef>,
}

/// What is wrong with an option, before the word it came in is known.
type Problem = &'static str;

const NOT_AN_OPTION: Problem = "is not an option (see --help)";
const CONFLICTING_MAPPING: Problem = "conflicts with another user mapping option";

/// What an option does.
#[derive(Copy, Clone)]
enum Action {
    New(Namespace),
    Fork,
    Help,
    Version,
    MapRoot,
    MapCurrent,
    MountProc,
    KillChild,
    Propagation,
    Setgroups,
    MapUser,
    MapGroup,
    Hostname,
    Root,
    Wd,
    Target,
    Monotonic,
    Boottime,
    PreserveCredentials,
}

/// Whether an option takes a value.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Takes {
    Nothing,
    /// Only as `--name=value`.
    Maybe,
    /// After `=`, in the rest of a short option's word, or in the next word.
    Value,
}

impl Action {
    fn takes(self) -> Takes {
        match self {
            Action::New(_)
            | Action::Fork
            | Action::Help
            | Action::Version
            | Action::MapRoot
            | Action::MapCurrent
            | Action::PreserveCredentials => Takes::Nothing,
            Action::MountProc | Action::KillChild => Takes::Maybe,
            _ => Takes::Value,
        }
    }
}

/// Declares the option table: one namespace option for each kind of
/// [`Namespace::ALL`], then one list of `short "long" => action` lines (`0`
/// for no short letter). The long names are one string of words and the
/// letters and actions arrays in the same order, a third of the size of a
/// table of string slices.
macro_rules! options {
    ($($short:literal $long:literal => $action:expr,)*) => {
        /// Every long option name, in table order, separated by spaces.
        const LONG: [u8; namespace_options::NAMES + concat!($($long, " ",)*).len()] =
            Packed::new().namespace_names().push(concat!($($long, " ",)*).as_bytes()).bytes;
        /// Every option's short letter (0 for none), in table order.
        const SHORT: [u8; Namespace::ALL.len() + [$($short,)*].len()] =
            Packed::new().namespace_letters().push(&[$($short,)*]).bytes;
        /// What every option does, in table order.
        const ACTIONS: [Action; Namespace::ALL.len() + [$($action,)*].len()] =
            actions(&[$($action,)*]);
    };
}

/// Creating each namespace kind of [`Namespace::ALL`], then `rest`: every
/// option's action, `N` of them.
const fn actions<const N: usize>(rest: &[Action]) -> [Action; N] {
    let kinds = Namespace::ALL.len();
    let mut all = [Action::Fork; N]; // Each row is written below.
    let mut row = 0;
    while row < N {
        all[row] = match row < kinds {
            true => Action::New(Namespace::ALL[row]),
            false => rest[row - kinds],
        };
        row += 1;
    }
    all
}

options! {
    b'f' "fork" => Action::Fork,
    b'h' "help" => Action::Help,
    b'V' "version" => Action::Version,
    b'r' "map-root-user" => Action::MapRoot,
    b'c' "map-current-user" => Action::MapCurrent,
    0 "mount-proc" => Action::MountProc,
    0 "kill-child" => Action::KillChild,
    0 "propagation" => Action::Propagation,
    0 "setgroups" => Action::Setgroups,
    0 "map-user" => Action::MapUser,
    0 "map-group" => Action::MapGroup,
    0 "hostname" => Action::Hostname,
    b'R' "root" => Action::Root,
    b'w' "wd" => Action::Wd,
    b't' "target" => Action::Target,
    0 "monotonic" => Action::Monotonic,
    0 "boottime" => Action::Boottime,
    0 "preserve-credentials" => Action::PreserveCredentials,
}

impl Options {
    pub fn new() -> Options {
        Options {
            namespaces: CloneFlags::empty(),
            target: None,
            preserve_credentials: false,
            mount_proc: None,
            propagation: Propagation::Private,
            mapping: Mapping::None,
            map_user: None,
            map_group: None,
            setgroups_allow: None,
            hostname: None,
            root: None,
            wd: None,
            kill_child: None,
            monotonic: None,
            boottime: None,
            program: 0,
            words: Words::default(),
        }
    }
}

/// Parses argv (after the program name) into `options`.
pub fn parse(args: &Args, options: &mut Options) -> Result<Command, UsageError> {
    let mut next = 1;
    while let Some(word) = args.get(next) {
        next += 1;
        let bytes = word.bytes();
        if bytes == b"--" {
            break;
        }
        let ended = match bytes {
            [b'-', b'-', long @ ..] => long_option(options, word, long, args, &mut next),
            [b'-', _, ..] => short_options(options, word, args, &mut next),
            // The first word that is not an option starts the program.
            _ => {
                next -= 1;
                break;
            }
        };
        match ended.map_err(|problem| UsageError {
            option: word,
            problem,
            other: None,
        })? {
            Some(command) => return Ok(command),
            None => continue,
        }
    }
    options.program = next;
    options.conflict()?;
    options.add_implied();
    Ok(Command::Run)
}

/// One `--name[=value]` (`long` is `word` without its dashes); `Some` when
/// it ends parsing (help, version).
fn long_option(
    options: &mut Options,
    word: CStrRef,
    long: &[u8],
    args: &Args,
    next: &mut usize,
) -> Result<Option<Command>, Problem> {
    let (name, inline) = match long.iter().position(|&b| b == b'=') {
        Some(eq) => (&long[..eq], Some(word.suffix(eq + 3))),
        None => (long, None),
    };
    let action = find_word(&LONG, name).map_or(Err(NOT_AN_OPTION), |row| Ok(ACTIONS[row]))?;
    let value = match (inline, action.takes()) {
        (Some(_), Takes::Nothing) => return Err("takes no value"),
        (None, Takes::Value) => Some(take_next(args, next)?),
        (inline, _) => inline,
    };
    options.apply(action, word, value)
}

/// A bundle of short options (`-mpu`, `-tPID`, `-w DIR`).
fn short_options(
    options: &mut Options,
    word: CStrRef,
    args: &Args,
    next: &mut usize,
) -> Result<Option<Command>, Problem> {
    let bytes = word.bytes();
    for (at, &letter) in bytes.iter().enumerate().skip(1) {
        let Some(row) = SHORT.iter().position(|&short| short == letter) else {
            return Err(NOT_AN_OPTION);
        };
        let action = ACTIONS[row];
        if action.takes() == Takes::Nothing {
            if let Some(command) = options.apply(action, word, None)? {
                return Ok(Some(command));
            }
            continue;
        }
        // An option with a value takes the rest of the word, or the next word.
        let value = match at + 1 < bytes.len() {
            true => word.suffix(at + 1),
            false => take_next(args, next)?,
        };
        return options.apply(action, word, Some(value));
    }
    Ok(None)
}

/// The next word of argv, as the value of the option before it.
fn take_next(args: &Args, next: &mut usize) -> Result<CStrRef, Problem> {
    let value = args.get(*next).ok_or("needs a value")?;
    *next += 1;
    Ok(value)
}

impl Options {
    /// Does what `action` (from `word`) says, with its value (checked
    /// against its kind by the caller); `Some` when it ends parsing.
    fn apply(
        &mut self,
        action: Action,
        word: CStrRef,
        value: Option<CStrRef>,
    ) -> Result<Option<Command>, Problem> {
        let text = value.map_or(&[][..], CStrRef::bytes);
        let words = &mut self.words;
        let first = |slot: &mut Option<CStrRef>| {
            slot.get_or_insert(word);
        };
        match action {
            Action::New(_) | Action::Fork | Action::Help | Action::Version => {}
            Action::Root | Action::Wd | Action::KillChild | Action::PreserveCredentials => {}
            Action::Target => first(&mut words.target),
            _ => first(&mut words.changing),
        }
        if matches!(
            action,
            Action::MapRoot | Action::MapCurrent | Action::MapGroup
        ) {
            first(&mut words.group_map);
        }
        match action {
            Action::New(namespace) => self.namespaces |= namespace.flag(),
            Action::Fork => {}
            Action::Help => return Ok(Some(Command::Help)),
            Action::Version => return Ok(Some(Command::Version)),
            Action::MapRoot => self.set_mapping(Mapping::Root)?,
            Action::MapCurrent => self.set_mapping(Mapping::Current)?,
            Action::MountProc => {
                self.mount_proc = Some(value.unwrap_or(CStrRef::from_static(c"/proc")));
            }
            Action::KillChild => {
                let signal = match value {
                    Some(_) => signal_number(text).ok_or("is not a signal name or number")?,
                    None => linux_raw_sys::general::SIGKILL as i32,
                };
                self.kill_child = Some(signal);
            }
            Action::Propagation => self.propagation = propagation(text)?,
            Action::Setgroups => {
                let allow = find_word(b"deny allow ", text).ok_or("takes allow or deny")?;
                self.setgroups_allow = Some(allow == 1);
            }
            Action::MapUser => self.map_to(text, true)?,
            Action::MapGroup => self.map_to(text, false)?,
            Action::Hostname => self.hostname = value,
            Action::Root => self.root = value,
            Action::Wd => self.wd = value,
            Action::Target => {
                let pid = number(text).filter(|pid| (1..=i32::MAX as u64).contains(pid));
                self.target = Some(pid.ok_or("needs a process ID")? as i32);
            }
            Action::Monotonic => self.monotonic = Some(seconds(text)?),
            Action::Boottime => self.boottime = Some(seconds(text)?),
            Action::PreserveCredentials => self.preserve_credentials = true,
        }
        Ok(None)
    }

    /// Options that must not meet: joining with one that would change the
    /// joined namespaces; a group map with `setgroups` allowed (the kernel
    /// takes an unprivileged gid map only once it is denied), which
    /// util-linux refuses too.
    fn conflict(&self) -> Result<(), UsageError> {
        let words = &self.words;
        if let (Some(option), Some(other)) = (words.changing, words.target) {
            return Err(UsageError {
                option,
                problem: "would change the namespaces joined by",
                other: Some(other),
            });
        }
        match (words.group_map, self.setgroups_allow) {
            (Some(option), Some(true)) => Err(UsageError {
                option,
                problem: "and --setgroups allow are mutually exclusive",
                other: None,
            }),
            _ => Ok(()),
        }
    }

    /// Adds the namespaces other options imply.
    fn add_implied(&mut self) {
        if self.mount_proc.is_some() {
            self.namespaces |= CloneFlags::NEWNS;
        }
        if self.hostname.is_some() {
            self.namespaces |= CloneFlags::NEWUTS;
        }
        if self.monotonic.is_some() || self.boottime.is_some() {
            self.namespaces |= CloneFlags::NEWTIME;
        }
        if self.mapping != Mapping::None || self.setgroups_allow.is_some() {
            self.namespaces |= CloneFlags::NEWUSER;
        }
    }

    fn set_mapping(&mut self, mapping: Mapping) -> Result<(), Problem> {
        if self.mapping != Mapping::None && self.mapping != mapping {
            return Err(CONFLICTING_MAPPING);
        }
        self.mapping = mapping;
        Ok(())
    }

    fn map_to(&mut self, text: &[u8], user: bool) -> Result<(), Problem> {
        let id = number(text)
            .filter(|&id| id < u64::from(u32::MAX))
            .ok_or("needs a numeric ID")? as u32;
        self.set_mapping(Mapping::To)?;
        *(if user {
            &mut self.map_user
        } else {
            &mut self.map_group
        }) = Some(id);
        Ok(())
    }
}

fn propagation(text: &[u8]) -> Result<Propagation, Problem> {
    const KINDS: [Propagation; 4] = [
        Propagation::Private,
        Propagation::Slave,
        Propagation::Shared,
        Propagation::Unchanged,
    ];
    match find_word(b"private slave shared unchanged ", text) {
        Some(kind) => Ok(KINDS[kind]),
        None => Err("takes slave, shared, private or unchanged"),
    }
}

fn seconds(text: &[u8]) -> Result<i64, Problem> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    number(digits)
        .and_then(|n| i64::try_from(n).ok())
        .map(|n| if negative { -n } else { n })
        .ok_or("needs a whole number of seconds")
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
