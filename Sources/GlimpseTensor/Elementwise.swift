// Elementwise: arithmetic applied element by element, and in-place accumulation.

extension Tensor {
    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var result = self
        result.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = transform(p[i]) }
        }
        return result
    }

    /// Combines two equally shaped tensors element by element.
    @inlinable
    public func zipMap(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "zipMap: shapes \(shape) and \(other.shape) differ")
        var result = self
        other.withUnsafeBufferPointer { q in
            result.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = combine(p[i], q[i]) }
            }
        }
        return result
    }

    /// Element-wise sum of equally shaped tensors.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, +) }
    /// Element-wise difference of equally shaped tensors.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, -) }
    /// Element-wise product of equally shaped tensors.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, *) }
    /// Every element multiplied by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Every element multiplied by a scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { $0 * lhs } }

    /// Adds `other * scale` into this tensor in place (the axpy of BLAS).
    @inlinable
    public mutating func add(_ other: Tensor, scaledBy scale: Float = 1) {
        precondition(shape == other.shape, "add: shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { q in
            withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] += scale * q[i] }
            }
        }
    }

    /// Multiplies every element by `scale` in place.
    @inlinable
    public mutating func scale(by scale: Float) {
        withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] *= scale }
        }
    }

    /// Sets every element to zero, keeping the storage.
    @inlinable
    public mutating func zero() {
        withUnsafeMutableBufferPointer { p in
            p.update(repeating: 0)
        }
    }
}

extension Tensor {
    /// Elements per chunk when `rectified` and `passedWherePositive` split a tensor among the
    /// compute threads: below twice this, one thread does it all (the hand-off would cost more).
    static let parallelChunkElements = 1 << 16

    /// `max(x, 0)` for every element (the ReLU), the elements split into contiguous chunks among
    /// `Compute.threads` threads; the same result as `map { $0 > 0 ? $0 : 0 }`.
    ///
    /// A fixed loop rather than a closure per element: `map`'s closure is inlined only when the
    /// caller is specialised, and a generic one through `parallelChunks` was not (measured: the
    /// DeepConvNet step's ReLUs went from 2% to 14% of its time).
    public func rectified() -> Tensor {
        Tensor(uninitializedShape: shape) { out in
            withUnsafeBufferPointer { x in
                Compute.parallelChunks(x.count, chunks: Tensor.elementChunks(x.count)) { _, range in
                    for i in range { out[i] = x[i] > 0 ? x[i] : 0 }
                }
            }
        }
    }

    /// This tensor (a gradient) where `mask` is positive and 0 elsewhere (the ReLU's pullback, with
    /// `mask` its output), split among the threads like `rectified`.
    public func passedWherePositive(_ mask: Tensor) -> Tensor {
        precondition(shape == mask.shape, "passedWherePositive: shapes \(shape) and \(mask.shape) differ")
        return Tensor(uninitializedShape: shape) { out in
            withUnsafeBufferPointer { g in
                mask.withUnsafeBufferPointer { y in
                    Compute.parallelChunks(g.count, chunks: Tensor.elementChunks(g.count)) { _, range in
                        for i in range { out[i] = y[i] > 0 ? g[i] : 0 }
                    }
                }
            }
        }
    }

    /// The chunk count for an element-wise pass over `count` elements: 1 when small or on one thread.
    static func elementChunks(_ count: Int) -> Int {
        Compute.threads == 1 || count < 2 * parallelChunkElements
            ? 1 : Swift.min(Compute.chunkCount(for: count), count / parallelChunkElements)
    }
}
