//! What the fuzz targets check, shared with `tests/fuzz_corpus.rs`, which
//! replays the checked-in corpus through the same code on stable.
//!
//! Inputs are decoded here, not with `arbitrary`: a corpus file must mean
//! the same input to the fuzzer and to the replay, with no fuzzing crate in
//! the replay. The
//! decoding is still structure-aware (a syscall, an exit signal and a list of
//! flags picked one per byte), so the fuzzer combines flags instead of
//! searching for single bits in a raw word.
use crate::kbits;
use linux_raw_sys::general as k;
use nsclone::{CloneFlags, Syscall};

/// Reads an input front to back; past its end every read gives zeros, so
/// every byte string decodes to some input.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn u24(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), 0])
    }

    pub fn u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        bytes.iter_mut().for_each(|b| *b = self.byte());
        u64::from_le_bytes(bytes)
    }

    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// A fresh zeroed page shared with every child (MAP_SHARED).
pub fn shared_page() -> *mut u8 {
    let prot = k::PROT_READ | k::PROT_WRITE;
    nsclone::sys::mmap_anonymous(4096, prot, k::MAP_SHARED).expect("mmap a shared page")
}

pub mod parse;

/// A `check` question: flags, syscall and the clone3 exit signal.
///
/// Layout: byte 0 picks the syscall (bits 0-1); bit 2 says the exit signal
/// follows as a raw u64 (else one byte), bit 3 that a raw u64 flags word
/// follows (else the flags start empty). Every further byte adds one flag:
/// below 0x80 a named flag (byte mod 27, in bit order), from 0x80 the bit
/// `byte mod 64`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FlagsInput {
    pub call: Syscall,
    pub flags: CloneFlags,
    pub exit_signal: u64,
}

pub const SYSCALLS: [Syscall; 4] = [
    Syscall::Clone,
    Syscall::Clone3,
    Syscall::Unshare,
    Syscall::Setns,
];

impl FlagsInput {
    pub fn decode(data: &[u8]) -> FlagsInput {
        let mut r = Reader::new(data);
        let head = r.byte();
        let call = SYSCALLS[usize::from(head & 3)];
        let exit_signal = if head & 4 != 0 {
            r.u64()
        } else {
            u64::from(r.byte())
        };
        let mut bits = if head & 8 != 0 { r.u64() } else { 0 };
        let named = named_bits();
        for &pick in r.rest() {
            bits |= if pick < 0x80 {
                named[usize::from(pick) % named.len()]
            } else {
                1 << (pick & 63)
            };
        }
        FlagsInput {
            call,
            flags: CloneFlags::from_bits_retain(bits),
            exit_signal,
        }
    }

    /// An encoding [`decode`](Self::decode) reads back (for seeds).
    pub fn encode(&self) -> Vec<u8> {
        let call = SYSCALLS.iter().position(|&c| c == self.call).unwrap() as u8;
        let mut out = vec![call | 4];
        out.extend(self.exit_signal.to_le_bytes());
        out.extend(
            (0..64)
                .filter(|b| self.flags.bits() >> b & 1 != 0)
                .map(|b| 0x80 | b),
        );
        out
    }
}

/// The named flags' bits, in bit order.
pub fn named_bits() -> Vec<u64> {
    (0..64)
        .map(|b| 1u64 << b)
        .filter(|&bit| CloneFlags::ALL.bits() & bit != 0)
        .collect()
}

pub mod check;

pub mod kernel;

pub mod spawn_layout;
