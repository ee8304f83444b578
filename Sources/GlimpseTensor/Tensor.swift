// Tensor: the Float32 value type every layer computes on.
//
// A tensor is a shape plus contiguous row-major storage. Images use NCHW order
// ([batch, channels, height, width]), linear layers [batch, features]. Storage is a
// Swift array, so copies are copy-on-write and a tensor can be passed around freely;
// kernels work on unsafe buffer views of it so that inner loops never copy.

import Foundation

/// A dense Float32 tensor with row-major (C-order) contiguous storage.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// The extent of each axis, outermost first (for images `[N, C, H, W]`).
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float] {
        didSet { precondition(scalars.count == Tensor.elementCount(shape), "Tensor: storage size changed") }
    }

    /// Creates a tensor from its shape and row-major elements.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(scalars.count == Tensor.elementCount(shape),
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.elementCount(shape)))
    }

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a tensor of the given shape whose elements are produced by `body(flatIndex)`.
    public init(shape: [Int], generator body: (Int) -> Float) {
        let count = Tensor.elementCount(shape)
        self.init(shape: shape, scalars: (0..<count).map(body))
    }

    /// The number of elements a shape holds.
    @inlinable
    public static func elementCount(_ shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// The number of elements.
    @inlinable public var count: Int { scalars.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(Tensor.elementCount(newShape) == count,
                     "reshaped: \(shape) cannot become \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    /// Changes the shape in place (same element count).
    public mutating func reshape(_ newShape: [Int]) {
        precondition(Tensor.elementCount(newShape) == count,
                     "reshape: \(shape) cannot become \(newShape)")
        shape = newShape
    }

    /// The element at a multi-dimensional index (slow; for tests and small code paths).
    public subscript(index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    /// The flat storage offset of a multi-dimensional index.
    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) does not match shape \(shape)")
        var offset = 0
        for axis in 0..<rank {
            precondition(index[axis] >= 0 && index[axis] < shape[axis], "index \(index) out of shape \(shape)")
            offset = offset * shape[axis] + index[axis]
        }
        return offset
    }

    /// Calls `body` with a read-only view of the storage.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable view of the storage (copies first only if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Images in a batch tensor `[N, ...]`: the first extent.
    public var batchSize: Int { shape.first ?? 1 }

    /// Item `n` of a batch `[N, ...]` as a tensor `[...]` (copies).
    public func item(_ n: Int) -> Tensor {
        precondition(rank >= 1 && n >= 0 && n < shape[0], "item: \(n) out of batch \(shape)")
        let stride = count / shape[0]
        return Tensor(shape: Array(shape.dropFirst()), scalars: Array(scalars[(n * stride)..<((n + 1) * stride)]))
    }

    /// Items `range` of a batch `[N, ...]` as a tensor `[range.count, ...]` (copies).
    public func items(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "items: \(range) out of \(shape)")
        let stride = count / Swift.max(shape[0], 1)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * stride)..<(range.upperBound * stride)]))
    }

    /// Stacks equally shaped tensors `[...]` into a batch `[N, ...]`.
    public static func stack(_ tensors: [Tensor]) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        let itemShape = tensors[0].shape
        var scalars = [Float]()
        scalars.reserveCapacity(tensors.count * tensors[0].count)
        for tensor in tensors {
            precondition(tensor.shape == itemShape, "stack: shape \(tensor.shape) differs from \(itemShape)")
            scalars.append(contentsOf: tensor.scalars)
        }
        return Tensor(shape: [tensors.count] + itemShape, scalars: scalars)
    }

    /// A short description: the shape and the first few elements.
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 8 ? ", ..." : "")]"
    }
}

extension Tensor {
    /// Creates a tensor whose storage `initializer` fills completely (no zeroing first: for kernels
    /// that write every element).
    @inlinable
    public init(uninitializedShape shape: [Int], initializer: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = Tensor.elementCount(shape)
        let storage = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
        self.init(shape: shape, scalars: storage)
    }
}
