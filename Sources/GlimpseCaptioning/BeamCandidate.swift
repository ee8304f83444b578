// BeamCandidate: one (beam, next token) extension beam search ranks, and the partial selection
// that finds a row's best extensions without sorting the whole vocabulary.
//
// Order (the one beam search uses everywhere, so results never depend on sort stability):
// higher cumulative log-probability first, then the lower token id, then the lower beam index.

/// One extension of a live beam by one token.
struct BeamCandidate: Equatable {
    /// The cumulative log-probability of the beam followed by `token`.
    var logProbability: Float
    /// The token that extends the beam.
    var token: Int
    /// The index of the extended beam among its image's live beams.
    var beam: Int

    /// Whether `self` ranks before `other`: higher log-probability, then lower token, then lower beam.
    @inline(__always)
    func precedes(_ other: BeamCandidate) -> Bool {
        if logProbability != other.logProbability { return logProbability > other.logProbability }
        if token != other.token { return token < other.token }
        return beam < other.beam
    }

    /// Appends to `candidates` the `limit` best extensions `base + row[token]` of one beam, best
    /// first: `row` is one row of log-probabilities `[V]`. An insertion into a list of at most
    /// `limit` entries, O(V + limit * insertions) rather than a sort of V entries. The sums are
    /// ranked (not the raw log-probabilities) because rounding can make two of them equal.
    static func appendBest(of row: UnsafeBufferPointer<Float>, base: Float, beam: Int, limit: Int,
                           to candidates: inout [BeamCandidate]) {
        precondition(limit > 0, "BeamCandidate: limit \(limit) must be positive")
        let start = candidates.count
        var kept = 0
        for token in 0..<row.count {
            let value = base + row[token]
            precondition(!value.isNaN, "BeamSearch: NaN log-probability for token \(token)")
            // Tokens arrive in increasing order, so an equal value never displaces a kept one.
            if kept == limit {
                guard value > candidates[start + limit - 1].logProbability else { continue }
                candidates.removeLast()
                kept -= 1
            }
            var slot = start + kept
            candidates.append(BeamCandidate(logProbability: value, token: token, beam: beam))
            while slot > start && candidates[slot - 1].logProbability < value {
                candidates[slot] = candidates[slot - 1]
                slot -= 1
            }
            candidates[slot] = BeamCandidate(logProbability: value, token: token, beam: beam)
            kept += 1
        }
    }
}
