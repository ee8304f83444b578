// TopScores: the indices of the k highest of n scores, best first (ties by index), as a region
// proposal network's pre-NMS top N needs them (6,000 of the 36,015 anchors of a 49x49 map with
// 15 anchors per cell). Sorting all n costs O(n log n) comparisons through a closure; the fast
// path finds the k-th highest value by quickselect on a copy of the scores (expected O(n)),
// gathers the scores above it and, in index order, enough equal to it, and sorts only those k.
// `indicesNaive` (the full stable sort) is the reference it is tested against.

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
        return chosen.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    }

    /// The reference: every index sorted by decreasing score (ties by index), the first `count`.
    public static func indicesNaive(of scores: [Float], count: Int) -> [Int] {
        precondition(count >= 0, "TopScores: count \(count)")
        return Array(scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count))
    }

    /// The k-th highest value of `scores` (1 <= k <= n), by iterative quickselect with a
    /// median-of-three pivot on a copy.
    static func kthHighest(_ scores: [Float], _ k: Int) -> Float {
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
