//! Lists of words packed into one string (`"deny allow "`): the compact
//! form of nsrun's name tables, a byte per letter where a table of string
//! slices costs sixteen more per entry.

/// The position of `word` in `list`, words each followed by one space.
pub fn find_word(list: &[u8], word: &[u8]) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    list.split(|&b| b == b' ').position(|known| known == word)
}
