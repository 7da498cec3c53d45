//! Numbers written as decimal text into a stack buffer, for the `/proc`
//! paths and files this crate writes.

/// Room for the 20 digits of `u64::MAX`.
pub(crate) type Digits = [u8; 20];

/// `value` in decimal, written to the end of `buf`; returns those bytes.
pub(crate) fn decimal(mut value: u64, buf: &mut Digits) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buf[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_without_leading_zeros() {
        assert_eq!(decimal(0, &mut [0; 20]), b"0");
        assert_eq!(decimal(4026531838, &mut [0; 20]), b"4026531838");
        assert_eq!(decimal(u64::MAX, &mut [0; 20]), b"18446744073709551615");
    }
}
