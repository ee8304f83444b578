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
