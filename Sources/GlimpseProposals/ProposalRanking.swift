// ProposalRanking: the ranking of selective search (Uijlings et al. 2013, section 5.1).
//
// Within a strategy, a region's value is its position in the hierarchy (1 for the last
// merge, the whole image, growing towards the starting regions) times a random number in
// (0, 1]; all strategies' regions are then ordered by value, which interleaves them, and a
// box seen before is dropped. Each strategy draws from its own stream of the seed, so the
// order does not depend on which thread finished first.

import GlimpseImaging
import GlimpseTensor

/// Orders the union of several hierarchies into one proposal list.
public enum ProposalRanking {
    /// Boxes best first, duplicates removed, at most `maxProposals`; `score` holds the value.
    ///
    /// - Parameter hierarchies: per strategy, its regions' boxes in creation order (the
    ///   output of `HierarchicalGrouping.group`).
    public static func rank(_ hierarchies: [[PixelBox]], seed: UInt64, maxProposals: Int) -> [BoundingBox] {
        precondition(maxProposals >= 0, "ProposalRanking: negative cap")
        let base = SeededGenerator(seed: seed)
        var entries: [(value: Float, strategy: Int32, index: Int32)] = []
        entries.reserveCapacity(hierarchies.reduce(0) { $0 + $1.count })
        for (s, boxes) in hierarchies.enumerated() {
            var generator = base.derived(UInt64(s))
            let n = boxes.count
            for i in 0..<n {
                let position = Float(n - i)
                entries.append((position * (1 - generator.nextUniform()), Int32(s), Int32(i)))
            }
        }
        entries.sort {
            if $0.value != $1.value { return $0.value < $1.value }
            if $0.strategy != $1.strategy { return $0.strategy < $1.strategy }
            return $0.index < $1.index
        }
        var seen = Set<PixelBox>()
        var out: [BoundingBox] = []
        out.reserveCapacity(min(maxProposals, entries.count))
        for entry in entries {
            if out.count >= maxProposals { break }
            let box = hierarchies[Int(entry.strategy)][Int(entry.index)]
            if seen.insert(box).inserted { out.append(box.boundingBox(score: entry.value)) }
        }
        return out
    }
}
