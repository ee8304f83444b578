// Reductions: sums, extrema and norms over whole tensors or along an axis.

extension Tensor {
    /// The sum of all elements (accumulated in Double).
    public func sum() -> Float {
        withUnsafeBufferPointer { p in
            var total: Double = 0
            for v in p { total += Double(v) }
            return Float(total)
        }
    }

    /// The mean of all elements.
    public func mean() -> Float {
        precondition(count > 0, "mean: empty tensor")
        return sum() / Float(count)
    }

    /// The largest element.
    public func max() -> Float {
        precondition(count > 0, "max: empty tensor")
        return scalars.max()!
    }

    /// The smallest element.
    public func min() -> Float {
        precondition(count > 0, "min: empty tensor")
        return scalars.min()!
    }

    /// The largest absolute element (the infinity norm).
    public func maxAbs() -> Float {
        withUnsafeBufferPointer { p in p.reduce(0) { Swift.max($0, abs($1)) } }
    }

    /// The Euclidean norm of all elements.
    public func l2Norm() -> Float {
        withUnsafeBufferPointer { p in
            var total: Double = 0
            for v in p { total += Double(v) * Double(v) }
            return Float(total.squareRoot())
        }
    }

    /// Sums along `axis`, removing it: `[a, b, c]` summed along 1 is `[a, c]`.
    public func sum(alongAxis axis: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank, "sum(alongAxis:): axis \(axis) out of \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let extent = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var newShape = shape
        newShape.remove(at: axis)
        var result = Tensor(zeros: newShape)
        withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                for o in 0..<outer {
                    for e in 0..<extent {
                        let base = (o * extent + e) * inner
                        for i in 0..<inner { dst[o * inner + i] += src[base + i] }
                    }
                }
            }
        }
        return result
    }

    /// For a `[N, K]` tensor, the index of the largest element of each row: `N` indices.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows: needs [N, K], got \(shape)")
        let k = shape[1]
        return withUnsafeBufferPointer { p in
            (0..<shape[0]).map { row in
                var best = 0
                for j in 1..<k where p[row * k + j] > p[row * k + best] { best = j }
                return best
            }
        }
    }
}
