//! What the unit tests share (compiled for tests only): seeded pseudo-random data, the same on
//! every run and machine.

/// A stream of pseudo-random words from `state` (Marsaglia's xorshift64; `state` not zero).
pub fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// A uniform draw in [0, 1) from a word: its top 53 bits.
pub fn unit(word: u64) -> f64 {
    (word >> 11) as f64 / (1u64 << 53) as f64
}
