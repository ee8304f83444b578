// RegionAdjacency: which regions of a segmentation touch, from one scan of the label map.
//
// Two regions are neighbours when any two of their pixels are 8-connected, the connectivity
// the segmentation graph uses.

/// Neighbouring region pairs of a segmentation.
public enum RegionAdjacency {
    /// Unordered neighbour pairs `(a, b)` with a < b, each once, sorted.
    public static func pairs(of segmentation: Segmentation) -> [(Int32, Int32)] {
        let width = segmentation.width, height = segmentation.height
        var keys: [UInt64] = []
        segmentation.labels.withUnsafeBufferPointer { labels in
            var last: UInt64 = .max
            @inline(__always) func add(_ a: Int32, _ b: Int32) {
                if a == b { return }
                let key = a < b ? UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) : UInt64(UInt32(b)) << 32 | UInt64(UInt32(a))
                // Neighbouring boundary pixels mostly repeat the pair just seen.
                if key != last { keys.append(key); last = key }
            }
            for y in 0..<height {
                for x in 0..<width {
                    let l = labels[y * width + x]
                    if x + 1 < width { add(l, labels[y * width + x + 1]) }
                    if y + 1 < height {
                        add(l, labels[(y + 1) * width + x])
                        if x + 1 < width { add(l, labels[(y + 1) * width + x + 1]) }
                        if x > 0 { add(l, labels[(y + 1) * width + x - 1]) }
                    }
                }
            }
        }
        keys.sort()
        var out: [(Int32, Int32)] = []
        out.reserveCapacity(keys.count / 2)
        var previous: UInt64 = .max
        for key in keys where key != previous {
            out.append((Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key & 0xFFFF_FFFF)))
            previous = key
        }
        return out
    }
}
