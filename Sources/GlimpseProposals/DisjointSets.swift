// DisjointSets: union-find with path halving and union by size, carrying the per-component
// threshold Int(C) + k/|C| of the graph segmentation.

/// Union-find over `0..<count` with a component size and a merge threshold per root.
struct DisjointSets {
    private var parent: [Int32]
    private var sizes: [Int32]
    private var thresholds: [Float]

    /// Singletons, each with threshold `initialThreshold` (k/1 in the segmentation).
    init(count: Int, initialThreshold: Float) {
        precondition(count < Int(Int32.max), "DisjointSets: \(count) elements do not fit 32-bit indices")
        parent = (0..<Int32(count)).map { $0 }
        sizes = [Int32](repeating: 1, count: count)
        thresholds = [Float](repeating: initialThreshold, count: count)
    }

    /// The root of `x`'s component (halving the path on the way).
    @inline(__always)
    mutating func find(_ x: Int) -> Int {
        parent.withUnsafeMutableBufferPointer { p in
            var x = x
            while Int(p[x]) != x {
                let grand = p[Int(p[x])]
                p[x] = grand
                x = Int(grand)
            }
            return x
        }
    }

    /// Joins two roots; returns the new root (the larger component's).
    @inline(__always)
    mutating func union(_ a: Int, _ b: Int) -> Int {
        let (big, small) = sizes[a] >= sizes[b] ? (a, b) : (b, a)
        parent[small] = Int32(big)
        sizes[big] += sizes[small]
        return big
    }

    /// Elements in the component rooted at `root`.
    @inline(__always)
    func size(_ root: Int) -> Int { Int(sizes[root]) }

    /// The merge threshold of the component rooted at `root`.
    @inline(__always)
    func threshold(_ root: Int) -> Float { thresholds[root] }

    /// Sets the merge threshold of the component rooted at `root`.
    @inline(__always)
    mutating func setThreshold(_ root: Int, _ value: Float) { thresholds[root] = value }
}
