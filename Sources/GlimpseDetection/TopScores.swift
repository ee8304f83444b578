// TopScores: the indices of the k highest of n scores, best first (ties by index), as a region
// proposal network's pre-NMS top N needs them (6,000 of the 36,015 anchors of a 49x49 map with
// 15 anchors per cell). Sorting all n costs O(n log n) comparisons through a closure; the fast
// path finds the k-th highest value (a radix select on the scores' order-preserving 32-bit keys:
// three histogram passes of 11, 11 and 10 bits, no data movement), gathers the scores above it
// and, in index order, enough equal to it, and sorts only those k, as 64-bit integers packing
// (inverted key, index), which orders them by decreasing score, then increasing index, without
// a comparison closure. `indicesNaive` (the full stable sort) is the reference `indices` is
// tested against, `kthHighestByQuickselect` (the previous selection) the one `kthHighest` is.

/// Selection of the highest scores.
public enum TopScores {
    /// The indices of the `count` highest `scores` (all of them when there are fewer), by
    /// decreasing score, equal scores by increasing index. No score may be NaN.
    public static func indices(of scores: [Float], count: Int) -> [Int] {
        precondition(count >= 0, "TopScores: count \(count)")
        let n = scores.count
        let k = min(count, n)
        // Selecting pays only when it leaves most of the scores unsorted.
        guard k > 0, k < n / 2 else { return indicesNaive(of: scores, count: count) }
        let threshold = kthHighest(scores, k)
        var chosen = [Int]()
        chosen.reserveCapacity(k)
        var equal = 0
        scores.withUnsafeBufferPointer { s in
            for i in 0..<n where s[i] > threshold { chosen.append(i) }
            // Scores equal to the threshold fill the rest in index order (the sort's tie rule).
            equal = k - chosen.count
            if equal > 0 {
                for i in 0..<n where s[i] == threshold {
                    chosen.append(i)
                    equal -= 1
                    if equal == 0 { break }
                }
            }
        }
        // (UInt32.max - key) << 32 | index: ascending = decreasing score, then increasing index
        // (-0 keyed as +0: they are equal scores, ordered by index as the reference does).
        precondition(n <= Int(UInt32.max), "TopScores: \(n) scores")
        var packed = chosen.map { (UInt64(UInt32.max - sortKey(scores[$0] == 0 ? 0 : scores[$0])) << 32) | UInt64($0) }
        packed.sort()
        return packed.map { Int($0 & 0xFFFF_FFFF) }
    }

    /// A key whose unsigned order is the floats' order (-0 just below +0; no NaN).
    @inline(__always)
    static func sortKey(_ value: Float) -> UInt32 {
        let bits = value.bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// The float of a key (`sortKey`'s inverse).
    static func value(ofKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    /// The k-th highest value of `scores` (1 <= k <= n) by radix select on `sortKey`: the
    /// highest 11 bits first (a 2,048-bucket histogram, the bucket where the count from the top
    /// reaches k), then the next 11 and the last 10 among the scores sharing the bits so far.
    /// Equal to `kthHighestByQuickselect` up to the sign of a zero.
    static func kthHighest(_ scores: [Float], _ k: Int) -> Float {
        precondition(k >= 1 && k <= scores.count, "TopScores: k \(k) of \(scores.count)")
        var histogram = [Int](repeating: 0, count: 2048)
        var (prefix, prefixMask, remaining) = (UInt32(0), UInt32(0), k)
        return scores.withUnsafeBufferPointer { s -> Float in
            histogram.withUnsafeMutableBufferPointer { h -> Float in
                for (shift, bits) in [(21, 11), (10, 11), (0, 10)] as [(UInt32, UInt32)] {
                    let buckets = 1 << Int(bits)
                    for b in 0..<buckets { h[b] = 0 }
                    let mask = UInt32(buckets - 1)
                    for value in s {
                        let key = Self.sortKey(value)
                        if key & prefixMask == prefix { h[Int((key >> shift) & mask)] += 1 }
                    }
                    // From the highest bucket down to the one holding the `remaining`-th highest.
                    var bucket = buckets - 1
                    while h[bucket] < remaining {
                        remaining -= h[bucket]
                        bucket -= 1
                    }
                    prefix |= UInt32(bucket) << shift
                    prefixMask |= mask << shift
                }
                return Self.value(ofKey: prefix)
            }
        }
    }

    /// The reference: every index sorted by decreasing score (ties by index), the first `count`.
    public static func indicesNaive(of scores: [Float], count: Int) -> [Int] {
        precondition(count >= 0, "TopScores: count \(count)")
        return Array(scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count))
    }

    /// The k-th highest value of `scores` (1 <= k <= n), by iterative quickselect with a
    /// median-of-three pivot on a copy (the reference of `kthHighest`).
    static func kthHighestByQuickselect(_ scores: [Float], _ k: Int) -> Float {
        var values = scores
        return values.withUnsafeMutableBufferPointer { v -> Float in
            // The k-th highest is the element at position k - 1 in decreasing order.
            let target = k - 1
            var (low, high) = (0, v.count - 1)
            while low < high {
                let middle = low + (high - low) / 2
                // Median of three as the pivot, for sorted or reversed input.
                if v[middle] > v[low] { v.swapAt(middle, low) }
                if v[high] > v[low] { v.swapAt(high, low) }
                if v[middle] > v[high] { v.swapAt(middle, high) }
                let pivot = v[high]
                // Three-way partition (decreasing): [low, lt) > pivot, [lt, i) == pivot, (gt, high] < pivot.
                var (lt, i, gt) = (low, low, high)
                while i <= gt {
                    if v[i] > pivot {
                        v.swapAt(i, lt)
                        lt += 1
                        i += 1
                    } else if v[i] < pivot {
                        v.swapAt(i, gt)
                        gt -= 1
                    } else {
                        i += 1
                    }
                }
                if target < lt {
                    high = lt - 1
                } else if target > gt {
                    low = gt + 1
                } else {
                    return pivot
                }
            }
            return v[target]
        }
    }
}
