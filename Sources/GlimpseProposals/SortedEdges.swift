// SortedEdges: the 8-connected grid graph of an image, its edges ordered by weight.
//
// Edge code = pixel * 4 + direction (0 right, 1 down, 2 down-right, 3 up-right), so every
// undirected neighbour pair appears once. Weights are Euclidean colour distances rounded to
// 16-bit keys (see GraphSegmentation); a counting sort orders the codes in O(edges).

/// The grid graph's edge weights as keys and the edge codes sorted by them.
public struct SortedEdges: Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Valid edge codes, lightest first (ties in code order).
    public let codes: [UInt32]
    /// Where each key's run starts in `codes` (65,537 entries; key k's edges are
    /// `codes[starts[k]..<starts[k + 1]]`), so the union-find reads weights without random lookups.
    public let starts: [UInt32]

    /// Key of a slot whose neighbour lies outside the image.
    public static let noEdge = UInt16.max

    /// Builds and sorts the edges of `planes`, laid out `[C, H, W]`.
    public init(planes: [Float], width: Int, height: Int, channels: Int) {
        precondition(width * height * 4 < Int(UInt32.max), "SortedEdges: image too large for 32-bit edge codes")
        self.width = width
        self.height = height
        // The keys live only while sorting: on a 12-megapixel image they are 96 MB.
        let keys = SortedEdges.edgeKeys(planes: planes, width: width, height: height, channels: channels)
        var counts = [Int](repeating: 0, count: 65537)
        var valid = 0
        keys.withUnsafeBufferPointer { k in
            counts.withUnsafeMutableBufferPointer { c in
                for code in 0..<k.count where k[code] != SortedEdges.noEdge { c[Int(k[code]) + 1] += 1; valid += 1 }
                for key in 1..<c.count { c[key] += c[key - 1] }
            }
        }
        starts = counts.map { UInt32($0) }
        var sorted = [UInt32](repeating: 0, count: valid)
        keys.withUnsafeBufferPointer { k in
            counts.withUnsafeMutableBufferPointer { c in
                sorted.withUnsafeMutableBufferPointer { out in
                    for code in 0..<k.count where k[code] != SortedEdges.noEdge {
                        let key = Int(k[code])
                        out[c[key]] = UInt32(code)
                        c[key] += 1
                    }
                }
            }
        }
        codes = sorted
    }

    /// The reference: the same edges sorted by (key, code) with the standard library.
    public init(naivelySorting planes: [Float], width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        let keys = SortedEdges.edgeKeys(planes: planes, width: width, height: height, channels: channels)
        var list: [(key: UInt16, code: UInt32)] = []
        for code in keys.indices where keys[code] != SortedEdges.noEdge { list.append((keys[code], UInt32(code))) }
        list.sort { $0.key != $1.key ? $0.key < $1.key : $0.code < $1.code }
        codes = list.map { $0.code }
        var starts = [UInt32](repeating: 0, count: 65537)
        for entry in list { starts[Int(entry.key) + 1] += 1 }
        for key in 1..<starts.count { starts[key] += starts[key - 1] }
        self.starts = starts
    }

    /// Pixel-index offset of the neighbour in each direction.
    static func neighbourOffsets(width: Int) -> [Int] { [1, width, width + 1, 1 - width] }

    /// Rounded weight keys of every edge slot, `[H, W, 4]`, `noEdge` where the neighbour is outside.
    static func edgeKeys(planes: [Float], width: Int, height: Int, channels: Int) -> [UInt16] {
        let n = width * height
        precondition(planes.count == n * channels, "SortedEdges: planes are not [C, H, W]")
        var keys = [UInt16](repeating: noEdge, count: n * 4)
        let offsets = neighbourOffsets(width: width)
        let scale = GraphSegmentation.weightScale
        planes.withUnsafeBufferPointer { src in
            keys.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    for x in 0..<width {
                        let p = y * width + x
                        let valid = (x + 1 < width, y + 1 < height, x + 1 < width && y + 1 < height, x + 1 < width && y > 0)
                        for direction in 0..<4 {
                            let ok: Bool
                            switch direction {
                            case 0: ok = valid.0
                            case 1: ok = valid.1
                            case 2: ok = valid.2
                            default: ok = valid.3
                            }
                            if !ok { continue }
                            let q = p + offsets[direction]
                            var sum: Float = 0
                            for c in 0..<channels {
                                let d = src[c * n + p] - src[c * n + q]
                                sum += d * d
                            }
                            out[p * 4 + direction] = UInt16(min(65534, (sum.squareRoot() * scale).rounded()))
                        }
                    }
                }
            }
        }
        return keys
    }
}
