// DisjointSets: union-find with path halving and union by size, carrying the per-component
// threshold Int(C) + k/|C| of the graph segmentation.
//
// Storage is raw memory owned by the instance: the segmentation calls find a few million
// times per image, and array accessors (uniqueness and bounds checks) cost more than the work.

/// Union-find over `0..<count` with a component size and a merge threshold per root.
final class DisjointSets {
    private let parent: UnsafeMutablePointer<Int32>
    private let sizes: UnsafeMutablePointer<Int32>
    private let thresholds: UnsafeMutablePointer<Float>

    /// Singletons, each with threshold `initialThreshold` (k/1 in the segmentation).
    init(count: Int, initialThreshold: Float) {
        precondition(count < Int(Int32.max), "DisjointSets: \(count) elements do not fit 32-bit indices")
        parent = .allocate(capacity: max(1, count))
        sizes = .allocate(capacity: max(1, count))
        thresholds = .allocate(capacity: max(1, count))
        for i in 0..<count { parent[i] = Int32(i) }
        sizes.initialize(repeating: 1, count: count)
        thresholds.initialize(repeating: initialThreshold, count: count)
    }

    deinit {
        parent.deallocate()
        sizes.deallocate()
        thresholds.deallocate()
    }

    /// The root of `x`'s component (halving the path on the way).
    @inline(__always)
    func find(_ x: Int) -> Int {
        var x = x
        while Int(parent[x]) != x {
            let grand = parent[Int(parent[x])]
            parent[x] = grand
            x = Int(grand)
        }
        return x
    }

    /// Joins two roots; returns the new root (the larger component's).
    @inline(__always)
    func union(_ a: Int, _ b: Int) -> Int {
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
    func setThreshold(_ root: Int, _ value: Float) { thresholds[root] = value }
}
