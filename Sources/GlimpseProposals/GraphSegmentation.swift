// GraphSegmentation: Felzenszwalb & Huttenlocher, "Efficient Graph-Based Image Segmentation",
// IJCV 2004 — the starting regions of selective search.
//
// The grid graph is 8-connected; an edge weighs the Euclidean distance between the smoothed
// colour values of its two pixels. Edges are processed from lightest to heaviest; two
// components merge when the edge is no heavier than either component's internal difference
// plus k/|C| (the paper's MInt with tau(C) = k/|C|). A final pass over the same order merges
// every component smaller than `minSize` with its neighbour.
//
// Weights are rounded to 1/128 of a grey level so a counting sort over 16-bit keys orders
// them in two linear passes (the segmentation is exactly the paper's on those rounded
// weights; ties keep the edge order, pixel-major). `segmentNaive` sorts with the standard
// library and is the reference the fast path is tested against.

/// Felzenszwalb-Huttenlocher graph-based segmentation.
public enum GraphSegmentation {
    /// Sub-grey-level steps per unit of edge weight.
    public static let weightScale: Float = 128

    /// Segments the (already smoothed) planes, laid out `[C, H, W]`, into connected regions.
    public static func segment(smoothed planes: [Float], width: Int, height: Int, channels: Int,
                               k: Float, minSize: Int) -> Segmentation {
        let edges = SortedEdges(planes: planes, width: width, height: height, channels: channels)
        return segment(edges, k: k, minSize: minSize)
    }

    /// Segments from edges already sorted (one sort serves every k of a colour space).
    public static func segment(_ edges: SortedEdges, k: Float, minSize: Int) -> Segmentation {
        edges.codes.withUnsafeBufferPointer { codes in
            edges.keys.withUnsafeBufferPointer { keys in
                run(width: edges.width, height: edges.height, count: codes.count, k: k, minSize: minSize,
                    edge: { i in
                        let code = Int(codes[i])
                        return (code, Float(keys[code]) / weightScale)
                    })
            }
        }
    }

    /// The reference: every edge listed with its rounded weight and sorted by the standard library.
    public static func segmentNaive(smoothed planes: [Float], width: Int, height: Int, channels: Int,
                                    k: Float, minSize: Int) -> Segmentation {
        let keys = SortedEdges.edgeKeys(planes: planes, width: width, height: height, channels: channels)
        var list: [(key: UInt16, code: Int)] = []
        for code in keys.indices where keys[code] != SortedEdges.noEdge { list.append((keys[code], code)) }
        list.sort { $0.key != $1.key ? $0.key < $1.key : $0.code < $1.code }
        return run(width: width, height: height, count: list.count, k: k, minSize: minSize,
                   edge: { i in (list[i].code, Float(list[i].key) / weightScale) })
    }

    /// Union-find over the edges in order; `edge(i)` gives the i-th edge's code and weight.
    @inline(__always)
    private static func run(width: Int, height: Int, count: Int, k: Float, minSize: Int,
                            edge: (Int) -> (code: Int, weight: Float)) -> Segmentation {
        precondition(k >= 0 && minSize >= 0, "GraphSegmentation: negative k or minSize")
        let n = width * height
        var sets = DisjointSets(count: n, initialThreshold: k)
        let offsets = SortedEdges.neighbourOffsets(width: width)
        for i in 0..<count {
            let (code, weight) = edge(i)
            let p = code >> 2, q = p + offsets[code & 3]
            let a = sets.find(p), b = sets.find(q)
            if a != b && weight <= sets.threshold(a) && weight <= sets.threshold(b) {
                let root = sets.union(a, b)
                sets.setThreshold(root, weight + k / Float(sets.size(root)))
            }
        }
        if minSize > 1 {
            for i in 0..<count {
                let code = edge(i).code
                let p = code >> 2, q = p + offsets[code & 3]
                let a = sets.find(p), b = sets.find(q)
                if a != b && (sets.size(a) < minSize || sets.size(b) < minSize) { _ = sets.union(a, b) }
            }
        }
        return Segmentation(width: width, height: height, components: &sets)
    }
}

/// A label per pixel: regions numbered 0..<regionCount in raster order of first appearance.
public struct Segmentation: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Region of each pixel, laid out `[H, W]`.
    public let labels: [Int32]
    /// Number of regions.
    public let regionCount: Int

    /// Wraps a label map; labels must already be 0..<regionCount.
    public init(width: Int, height: Int, labels: [Int32], regionCount: Int) {
        precondition(labels.count == width * height, "Segmentation: labels are not [H, W]")
        self.width = width
        self.height = height
        self.labels = labels
        self.regionCount = regionCount
    }

    init(width: Int, height: Int, components sets: inout DisjointSets) {
        let n = width * height
        var labels = [Int32](repeating: 0, count: n)
        var rootLabel = [Int32](repeating: -1, count: n)
        var next: Int32 = 0
        labels.withUnsafeMutableBufferPointer { out in
            rootLabel.withUnsafeMutableBufferPointer { map in
                for p in 0..<n {
                    let root = sets.find(p)
                    if map[root] < 0 { map[root] = next; next += 1 }
                    out[p] = map[root]
                }
            }
        }
        self.init(width: width, height: height, labels: labels, regionCount: Int(next))
    }

    /// Pixels in each region.
    public func regionSizes() -> [Int] {
        var sizes = [Int](repeating: 0, count: regionCount)
        for label in labels { sizes[Int(label)] += 1 }
        return sizes
    }
}
