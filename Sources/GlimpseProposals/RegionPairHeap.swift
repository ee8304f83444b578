// RegionPairHeap: the priority queue of neighbouring region pairs, most similar on top.
//
// Entries of merged-away regions are not searched for and removed; they stay until they
// surface and the grouping skips them (lazy deletion), so a merge costs O(neighbours log n).

/// A candidate merge: two region ids and their similarity.
struct RegionPair {
    var similarity: Float
    var a: Int32
    var b: Int32

    /// Heap order: higher similarity first; ties go to the older pair (smaller ids) so runs repeat.
    @inline(__always)
    func outranks(_ other: RegionPair) -> Bool {
        if similarity != other.similarity { return similarity > other.similarity }
        if a != other.a { return a < other.a }
        return b < other.b
    }
}

/// A binary max-heap of region pairs.
struct RegionPairHeap {
    private var items: [RegionPair] = []

    /// Whether the heap is empty.
    var isEmpty: Bool { items.isEmpty }

    /// Reserves room for `count` entries.
    mutating func reserve(_ count: Int) { items.reserveCapacity(count) }

    /// Adds a pair.
    mutating func push(_ pair: RegionPair) {
        items.append(pair)
        items.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                if !h[i].outranks(h[parent]) { break }
                h.swapAt(i, parent)
                i = parent
            }
        }
    }

    /// Removes and returns the most similar pair.
    mutating func pop() -> RegionPair? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items.withUnsafeMutableBufferPointer { h in
            h[0] = last
            var i = 0
            let n = h.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < n && h[l].outranks(h[best]) { best = l }
                if r < n && h[r].outranks(h[best]) { best = r }
                if best == i { break }
                h.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
