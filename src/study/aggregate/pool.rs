//! The pool of the events' estimation windows: sign counts, sums by relative day, the rank
//! test's deviations and Kolari-Pynnönen's calendar sums, gathered as each event's residuals
//! are produced and then dropped. Pools of disjoint sets of events merge by addition.

use super::*;
/// Values by an integer key (a relative day, a calendar day) in a dense vector that grows to
/// the keys it is given: the keys of a study span a few hundred or thousand days.
///
/// The slots live in `values[start..]`, key `base` first; `values[..start]` is room for lower
/// keys, unused slots that are still `T::default()`. A firm's events come in any date order,
/// and each one earlier than the rest used to move every slot to make room in front.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Default)]
pub(super) struct Dense<T> {
    base: i64,
    start: usize,
    values: Vec<T>,
}

impl<T: Default + Clone> Dense<T> {
    fn slot(&mut self, key: i64) -> &mut T {
        if self.values.len() == self.start {
            self.base = key;
        }
        if key < self.base {
            let grow = (self.base - key) as usize;
            if grow > self.start {
                // Room for these keys and as many again as there are slots: growth in front
                // costs amortized O(1) per slot, as `Vec`'s does at the back.
                let room = grow + (self.values.len() - self.start);
                let extra = room - self.start;
                self.values
                    .splice(0..0, std::iter::repeat_n(T::default(), extra));
                self.start += extra;
            }
            self.start -= grow;
            self.base = key;
        }
        let i = self.start + (key - self.base) as usize;
        if i >= self.values.len() {
            self.values.resize(i + 1, T::default());
        }
        &mut self.values[i]
    }

    /// The slots of keys `lo..=hi`, created as needed: index `key - lo`.
    fn span_mut(&mut self, lo: i64, hi: i64) -> &mut [T] {
        debug_assert!(lo <= hi);
        self.slot(hi);
        self.slot(lo);
        let first = self.start + (lo - self.base) as usize;
        &mut self.values[first..=first + (hi - lo) as usize]
    }

    /// `add(mine, theirs)` for each of `other`'s slots, into the slot of the same key (created
    /// as needed): one span for all of them, not a lookup per key (a pool of a firm's events
    /// has a calendar slot for every day of its years).
    fn add_each(&mut self, other: &Dense<T>, add: impl Fn(&mut T, &T)) {
        let theirs = &other.values[other.start..];
        if theirs.is_empty() {
            return;
        }
        let mine = self.span_mut(other.base, other.base + theirs.len() as i64 - 1);
        for (mine, theirs) in mine.iter_mut().zip(theirs) {
            add(mine, theirs);
        }
    }

    /// (key, value) in ascending key order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (i64, &T)> {
        self.values[self.start..]
            .iter()
            .enumerate()
            .map(move |(i, v)| (self.base + i as i64, v))
    }
}

/// What one pass over an event's estimation residuals gathers for the pool.
#[derive(Debug, Clone, Copy)]
struct ResidualSums {
    /// The sum of squares of the finite residuals.
    squares: f64,
    pub(super) positive: usize,
    finite: usize,
    /// The smallest and largest finite residual, for the ranks, with 0 among them when one is
    /// missing (a wider range only lengthens the ranks' runs of shared codes, and residuals
    /// straddle 0 anyway); +inf and -inf without a residual.
    lo: f64,
    hi: f64,
}

/// The sum of squares of the finite values, how many are positive and how many are finite,
/// and their range.
///
/// A function of its own, never inlined: inside [`Pool::add`] the compiler kept the sum in
/// memory, a store and a load on its chain of additions for every residual (`perf annotate`:
/// a quarter of the pool's time). Four interleaved lanes (i mod 4), joined at the end: one
/// chain of additions and of minima set the pace at about four cycles a value. The range,
/// which the ranks would otherwise find in a pass of their own, comes at no cost. The sum's
/// order is the lanes', so its last bits differ from a sequential sum's; it only scales
/// Kolari-Pynnönen's residuals (r moved by 6e-17).
///
/// Each value is also added to its day's tally (`by_day[i]` for `values[i]`: a missing one
/// adds +0.0 and counts nothing), in the same pass.
#[inline(never)]
fn square_sum_and_counts(values: &[f64], by_day: &mut [Tally]) -> ResidualSums {
    let empty = ResidualSums {
        squares: 0.0,
        positive: 0,
        finite: 0,
        lo: f64::INFINITY,
        hi: f64::NEG_INFINITY,
    };
    let add = |sums: &mut ResidualSums, tally: &mut Tally, v: f64| {
        let ok = v.is_finite();
        let kept = if ok { v } else { 0.0 };
        sums.squares += kept * kept;
        sums.positive += usize::from(kept > 0.0);
        sums.finite += usize::from(ok);
        sums.lo = if kept < sums.lo { kept } else { sums.lo };
        sums.hi = if kept > sums.hi { kept } else { sums.hi };
        tally.0 += kept;
        tally.1 += usize::from(ok);
    };
    let join = |a: ResidualSums, b: ResidualSums| ResidualSums {
        squares: a.squares + b.squares,
        positive: a.positive + b.positive,
        finite: a.finite + b.finite,
        lo: if b.lo < a.lo { b.lo } else { a.lo },
        hi: if b.hi > a.hi { b.hi } else { a.hi },
    };
    let by_day = &mut by_day[..values.len()];
    let mut lanes = [empty; 4];
    let quads = values.chunks_exact(4);
    let tail = quads.remainder();
    let (day_quads, day_tail) = by_day.split_at_mut(values.len() - tail.len());
    for (quad, days) in quads.zip(day_quads.chunks_exact_mut(4)) {
        for ((lane, tally), &v) in lanes.iter_mut().zip(days).zip(quad) {
            add(lane, tally, v);
        }
    }
    let [a, b, c, d] = lanes;
    let mut sums = join(join(a, b), join(c, d));
    for (tally, &v) in day_tail.iter_mut().zip(tail) {
        add(&mut sums, tally, v);
    }
    sums
}

/// rank / (M + 1) - 1/2, Corrado-Zivney's deviation, for each rank of a sample of M values
/// (1, 1.5, 2, ... M: a tie's mean rank may be a half), by twice the rank: made once for the M
/// of a run of events (most events of a firm have the same M), so that an event's ~250
/// deviations are looked up, not divided (a division costs as much as the rest of a value's
/// work). The same quotients, so the same bits. A new M costs 2M divisions, twice what the
/// event's own would.
#[derive(Debug, Clone, Default)]
struct Deviations {
    /// by_doubled_rank[2r] for rank r; its length is 2M + 1.
    by_doubled_rank: Vec<f64>,
}

impl Deviations {
    /// The deviations of a sample of `m` values (rebuilt when `m` changes), by twice the rank.
    fn for_sample(&mut self, m: usize) -> &[f64] {
        if self.by_doubled_rank.len() != 2 * m + 1 {
            let scale = m as f64 + 1.0;
            self.by_doubled_rank.clear();
            // Halving a small integer is exact: rank / scale - 1/2 as ever.
            self.by_doubled_rank
                .extend((0..=2 * m).map(|doubled| (doubled as f64 / 2.0) / scale - 0.5));
        }
        &self.by_doubled_rank
    }
}

/// A sum and a count.
pub(super) type Tally = (f64, usize);

/// What the aggregate needs of each event's estimation window, gathered event by event so that
/// no residual has to be kept: the sign counts (generalized sign), the residuals' sums by
/// relative day (crude dependence), the standardized rank deviations by relative day (Corrado-
/// Zivney), and the calendar sums of Kolari-Pynnönen's r (METHODS.md): S_t and Q_t of the
/// scaled residuals z_it = e_it / sqrt(SSR_i / L_i), and the sum of the L_i.
///
/// Pools of disjoint sets of events merge, so events can be pooled in parallel.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    pub(super) positive: usize,
    pub(super) valid: usize,
    pub(super) estimation_by_rel: Dense<Tally>,
    pub(super) rank_by_rel: Dense<Tally>,
    /// (S_t, Q_t) by calendar key.
    calendar: Dense<(f64, f64)>,
    events: usize,
    estimation_days: usize,
    /// Buffers reused from event to event (not part of the pool's value).
    scratch: Scratch,
}

/// A pool as bytes, for a part of a batch sent to another process: its sums, not its scratch
/// buffers.
impl bincode::Encode for Pool {
    fn encode<E: bincode::enc::Encoder>(
        &self,
        encoder: &mut E,
    ) -> std::result::Result<(), bincode::error::EncodeError> {
        self.positive.encode(encoder)?;
        self.valid.encode(encoder)?;
        self.estimation_by_rel.encode(encoder)?;
        self.rank_by_rel.encode(encoder)?;
        self.calendar.encode(encoder)?;
        self.events.encode(encoder)?;
        self.estimation_days.encode(encoder)
    }
}

impl<Context> bincode::Decode<Context> for Pool {
    fn decode<D: bincode::de::Decoder<Context = Context>>(
        decoder: &mut D,
    ) -> std::result::Result<Self, bincode::error::DecodeError> {
        use bincode::Decode;
        Ok(Pool {
            positive: Decode::decode(decoder)?,
            valid: Decode::decode(decoder)?,
            estimation_by_rel: Decode::decode(decoder)?,
            rank_by_rel: Decode::decode(decoder)?,
            calendar: Decode::decode(decoder)?,
            events: Decode::decode(decoder)?,
            estimation_days: Decode::decode(decoder)?,
            scratch: Scratch::default(),
        })
    }
}

bincode::impl_borrow_decode!(Pool);

/// One event's values to rank and the buffers ranking them.
#[derive(Debug, Clone, Default)]
struct Scratch {
    values: Vec<f64>,
    rels: Vec<i64>,
    rank: RankScratch,
    deviations: Deviations,
}

impl Pool {
    /// Adds one event: its estimation residuals (with each day's calendar key) and its event
    /// days' ARs.
    pub fn add(&mut self, result: &EventResult, estimation_keys: &[i32]) {
        let residuals = &result.estimation_residuals;
        let first_rel = result.estimation_span.0 as i64 - result.day0 as i64;
        let mut scratch = std::mem::take(&mut self.scratch);
        let sums = self.add_residuals(residuals, first_rel, &mut scratch);
        let l = scratch.values.len();
        // Then the valid event-day ARs: every value to rank, with its relative day.
        let (mut lo, mut hi) = (sums.lo, sums.hi);
        for d in result.days.iter().filter(|d| d.ar.is_finite()) {
            scratch.values.push(d.ar);
            scratch.rels.push(d.rel as i64);
            lo = lo.min(d.ar);
            hi = hi.max(d.ar);
        }
        self.add_ranks(&mut scratch, l, (lo, hi));
        self.scratch = scratch;
        self.valid += l;
        self.positive += sums.positive;
        self.events += 1;
        self.estimation_days += l;
        if l > 0 && sums.squares > 0.0 {
            self.add_calendar(residuals, estimation_keys, (sums.squares / l as f64).sqrt());
        }
    }

    /// The estimation residuals (relative day `first_rel` first): their sums by relative day,
    /// their sum of squares, how many are positive and their range, and the valid ones with
    /// their relative days into `scratch` (cleared first), to rank, all in one pass. Returns
    /// the sum of squares, the counts and the range.
    ///
    /// The sums by day are taken in the residuals' order, as ever, so they are the same to the
    /// bit. A missing residual adds +0.0 rather than being skipped: no sum here can be -0.0
    /// (they start at +0.0, and in round-to-nearest only -0.0 + -0.0 is -0.0), and x + 0.0 is
    /// x for every other x. Without a branch per value the pass takes about half the
    /// instructions. Every residual is copied to be ranked, and the missing ones (most
    /// windows have none) are taken out afterwards.
    fn add_residuals(
        &mut self,
        residuals: &[f64],
        first_rel: i64,
        scratch: &mut Scratch,
    ) -> ResidualSums {
        let (values, rels) = (&mut scratch.values, &mut scratch.rels);
        values.clear();
        rels.clear();
        if residuals.is_empty() {
            return square_sum_and_counts(&[], &mut []);
        }
        let last_rel = first_rel + residuals.len() as i64 - 1;
        let by_rel = self.estimation_by_rel.span_mut(first_rel, last_rel);
        values.extend_from_slice(residuals);
        rels.extend(first_rel..=last_rel);
        let sums = square_sum_and_counts(residuals, by_rel);
        if sums.finite < residuals.len() {
            let mut kept = 0;
            for i in 0..values.len() {
                if values[i].is_finite() {
                    (values[kept], rels[kept]) = (values[i], rels[i]);
                    kept += 1;
                }
            }
            values.truncate(kept);
            rels.truncate(kept);
        }
        sums
    }

    /// Adds the event's scaled residuals z = e / `scale` to S_t and Q_t of their calendar days.
    /// A day without a key (fewer keys than residuals) counts on one shared key, i32::MIN.
    fn add_calendar(&mut self, residuals: &[f64], keys: &[i32], scale: f64) {
        // One division, then products: z differs from e / scale in its last bit at most
        // (Kolari-Pynnönen's r, a sum of millions of them, is compared to 1e-12 relative).
        let inverse = 1.0 / scale;
        let (keyed, unkeyed) = residuals.split_at(keys.len().min(residuals.len()));
        let keys = &keys[..keyed.len()];
        // The span of every keyed day, the missing ones too: no branch per day. A missing
        // residual adds +0.0 to S_t and to Q_t, which changes neither (no sum here can be
        // -0.0), and a day that only such residuals reach has S_t = Q_t = 0, which adds
        // nothing to r.
        let lo = keys.iter().copied().min();
        let hi = keys.iter().copied().max();
        if let (Some(lo), Some(hi)) = (lo, hi) {
            let sums = self.calendar.span_mut(lo as i64, hi as i64);
            for (&e, &key) in keyed.iter().zip(keys) {
                let z = if e.is_finite() { e * inverse } else { 0.0 };
                let slot = &mut sums[(key - lo) as usize];
                slot.0 += z;
                slot.1 += z * z;
            }
        }
        if unkeyed.iter().any(|e| e.is_finite()) {
            let slot = self.calendar.slot(i32::MIN as i64);
            for &e in unkeyed.iter().filter(|e| e.is_finite()) {
                let z = e * inverse;
                slot.0 += z;
                slot.1 += z * z;
            }
        }
    }

    /// Corrado-Zivney: each value's rank among the event's values over (M + 1), less 1/2. The
    /// first `residuals` values are estimation days, the rest event days, each part in
    /// ascending relative day; `range` is the values' (min, max).
    fn add_ranks(&mut self, scratch: &mut Scratch, residuals: usize, range: (f64, f64)) {
        let rels = &scratch.rels;
        let (estimation, event) = rels.split_at(residuals);
        let ends = |part: &[i64]| part.first().copied().zip(part.last().copied());
        let (lo, hi) = match (ends(estimation), ends(event)) {
            (Some((a, b)), Some((c, d))) => (a.min(c), b.max(d)),
            (Some(ends), None) | (None, Some(ends)) => ends,
            (None, None) => return,
        };
        debug_assert!(rels.iter().all(|r| (lo..=hi).contains(r)));
        let values = &scratch.values;
        let deviations = scratch.deviations.for_sample(values.len());
        let tallies = self.rank_by_rel.span_mut(lo, hi);
        // Each relative day has one value of the event (the windows do not overlap: options
        // refuse it), so its tally gets one addition whatever the order the ranks come in:
        // the sums are those of a pass by day.
        for_each_doubled_rank(values, Some(range), &mut scratch.rank, |index, doubled| {
            let tally = &mut tallies[(rels[index] - lo) as usize];
            tally.0 += deviations[doubled];
            tally.1 += 1;
        });
    }

    /// Adds the events of another pool.
    pub fn merge(&mut self, other: &Pool) {
        self.positive += other.positive;
        self.valid += other.valid;
        self.events += other.events;
        self.estimation_days += other.estimation_days;
        let add_tally = |mine: &mut Tally, t: &Tally| {
            mine.0 += t.0;
            mine.1 += t.1;
        };
        self.estimation_by_rel
            .add_each(&other.estimation_by_rel, add_tally);
        self.rank_by_rel.add_each(&other.rank_by_rel, add_tally);
        self.calendar.add_each(&other.calendar, |mine, s| {
            mine.0 += s.0;
            mine.1 += s.1;
        });
    }

    /// Kolari-Pynnönen's r: sum_t (S_t^2 - Q_t) / (N (N - 1) Lbar), exact and in one pass.
    /// By Cauchy-Schwarz it lies in [-1/(N-1), 1]; rounding that carries it past (identical
    /// events) is brought back.
    pub fn residual_correlation(&self) -> f64 {
        let n = self.events as f64;
        if self.events < 2 || self.estimation_days == 0 {
            return f64::NAN;
        }
        let l_bar = self.estimation_days as f64 / n;
        let cross: f64 = self.calendar.iter().map(|(_, (s, q))| s * s - q).sum();
        clamp_correlation(cross / (n * (n - 1.0) * l_bar), self.events)
    }

    pub(super) fn finish(&self) -> Pooled {
        let tallies = |d: &Dense<Tally>| -> Vec<(i32, f64)> {
            d.iter()
                .filter(|(_, t)| t.1 > 0)
                .map(|(k, t)| (k as i32, t.0 / t.1 as f64))
                .collect()
        };
        let estimation_aar = tallies(&self.estimation_by_rel);
        let aars: Vec<f64> = estimation_aar.iter().map(|p| p.1).collect();
        Pooled {
            positive_share: if self.valid == 0 {
                f64::NAN
            } else {
                self.positive as f64 / self.valid as f64
            },
            correlation: self.residual_correlation(),
            rank: RankTest::from_deviations(tallies(&self.rank_by_rel)),
            aar_sd: mean_sd(&aars).1,
            estimation_aar_days: estimation_aar.len(),
        }
    }
}

/// Quantities shared by every day's and window's tests.
pub(super) struct Pooled {
    pub(super) positive_share: f64,
    pub(super) correlation: f64,
    pub(super) rank: RankTest,
    pub(super) aar_sd: f64,
    /// Relative estimation days with an AAR (the crude dependence test's T).
    pub(super) estimation_aar_days: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans added in any order, below, above and inside what is there: the same slots, keys
    /// and sums as a map by key, and room in front used before the slots move again.
    #[test]
    fn dense_slots_grow_both_ways_as_a_map_does() {
        let mut dense: Dense<(f64, usize)> = Dense::default();
        let mut map = std::collections::BTreeMap::new();
        let mut word = crate::testing::xorshift(0x1234_5678_9abc_def1);
        let mut moves = 0;
        for step in 0..2_000 {
            let state = word();
            let lo = 10_000 - (state % 3_000) as i64;
            let hi = lo + (state >> 32) as i64 % 240;
            let before = (dense.start, dense.values.len());
            for (k, slot) in (lo..).zip(dense.span_mut(lo, hi)) {
                slot.0 += k as f64 * 0.5;
                slot.1 += 1;
                let m = map.entry(k).or_insert((0.0, 0));
                m.0 += k as f64 * 0.5;
                m.1 += 1;
            }
            if dense.values.len() != before.1 {
                moves += 1;
            }
            // Keys never added are in the span between: compare the added ones and the rest.
            let live: Vec<(i64, (f64, usize))> = dense.iter().map(|(k, v)| (k, *v)).collect();
            let first = *map.keys().next().unwrap();
            assert_eq!(live.first().map(|x| x.0), Some(first), "step {step}");
            for (k, v) in &live {
                assert_eq!(map.get(k).copied().unwrap_or_default(), *v, "key {k}");
            }
            assert_eq!(live.last().map(|x| x.0), map.keys().last().copied());
        }
        // 2,000 spans reaching 3,000 days below the first: a handful of moves, not hundreds.
        assert!(moves < 40, "{moves} moves");
    }
}
