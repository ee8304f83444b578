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
        precondition(k >= 0 && minSize >= 0, "GraphSegmentation: negative k or minSize")
        let width = edges.width, n = edges.width * edges.height
        let sets = DisjointSets(count: n, initialThreshold: k)
        let offsetList = SortedEdges.neighbourOffsets(width: width)
        let offsets = (offsetList[0], offsetList[1], offsetList[2], offsetList[3])
        @inline(__always) func offset(_ direction: Int) -> Int {
            direction == 0 ? offsets.0 : direction == 1 ? offsets.1 : direction == 2 ? offsets.2 : offsets.3
        }
        edges.codes.withUnsafeBufferPointer { codes in
            edges.starts.withUnsafeBufferPointer { starts in
                var i = 0
                for key in 0..<(starts.count - 1) {
                    let end = Int(starts[key + 1])
                    if i == end { continue }
                    let weight = Float(key) / weightScale
                    while i < end {
                        let code = Int(codes[i])
                        i += 1
                        let p = code >> 2, q = p + offset(code & 3)
                        let a = sets.find(p), b = sets.find(q)
                        if a != b && weight <= sets.threshold(a) && weight <= sets.threshold(b) {
                            let root = sets.union(a, b)
                            sets.setThreshold(root, weight + k / Float(sets.size(root)))
                        }
                    }
                }
                if minSize > 1 {
                    // Point every pixel at its root (one sequential pass) so the finds below take
                    // one or two hops, and stop once no component is below the minimum size.
                    var small = 0
                    for p in 0..<n {
                        let root = sets.find(p)
                        if root == p && sets.size(p) < minSize { small += 1 }
                    }
                    var i = 0
                    while small > 0 && i < codes.count {
                        let code = Int(codes[i])
                        i += 1
                        let p = code >> 2, q = p + offset(code & 3)
                        let a = sets.find(p), b = sets.find(q)
                        let sizeA = sets.size(a), sizeB = sets.size(b)
                        if a != b && (sizeA < minSize || sizeB < minSize) {
                            let root = sets.union(a, b)
                            small -= (sizeA < minSize ? 1 : 0) + (sizeB < minSize ? 1 : 0)
                            if sets.size(root) < minSize { small += 1 }
                        }
                    }
                }
            }
        }
        return Segmentation(width: width, height: edges.height, components: sets)
    }

    /// The reference: the same union-find over edges sorted by the standard library.
    public static func segmentNaive(smoothed planes: [Float], width: Int, height: Int, channels: Int,
                                    k: Float, minSize: Int) -> Segmentation {
        segment(SortedEdges(naivelySorting: planes, width: width, height: height, channels: channels), k: k, minSize: minSize)
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

    init(width: Int, height: Int, components sets: DisjointSets) {
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
