// HalfPrecision: Float16 and bfloat16 as storage formats.
//
// Glimpse computes in Float32. Weights and activations may be stored in 16 bits
// (IEEE 754 binary16 or Google's bfloat16) to halve memory and file size; they are
// converted on load and rounded on store, round-to-nearest-even in both cases.

/// A tensor stored as IEEE binary16 (for weights and activations); compute converts to Float32.
public struct HalfTensor: Sendable, Equatable {
    /// The extent of each axis.
    public let shape: [Int]
    /// The elements in row-major order.
    public var scalars: [Float16]

    /// Rounds a Float32 tensor to binary16 (values beyond ±65504 become ±infinity).
    public init(_ tensor: Tensor) {
        shape = tensor.shape
        scalars = tensor.scalars.map { Float16($0) }
    }

    /// Creates a half tensor from its shape and elements.
    public init(shape: [Int], scalars: [Float16]) {
        precondition(scalars.count == Tensor.elementCount(shape), "HalfTensor: size mismatch")
        self.shape = shape
        self.scalars = scalars
    }

    /// The elements widened to a Float32 tensor (exact).
    public var float32: Tensor {
        Tensor(shape: shape, scalars: scalars.map { Float($0) })
    }
}

extension Tensor {
    /// This tensor with every element rounded to binary16 and widened back: what storing
    /// the activations or weights in Float16 costs in precision.
    public func roundedToHalf() -> Tensor {
        var result = self
        result.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = Float(Float16(p[i])) }
        }
        return result
    }
}

/// bfloat16 bit conversions (the upper 16 bits of a Float32).
public enum BFloat16 {
    /// Rounds a Float32 to bfloat16 bits, round-to-nearest-even; NaN stays a (quiet) NaN.
    @inlinable
    public static func bits(from value: Float) -> UInt16 {
        let raw = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: raw >> 16) | 0x0040 }
        let roundingBias: UInt32 = 0x7FFF + ((raw >> 16) & 1)
        return UInt16(truncatingIfNeeded: (raw &+ roundingBias) >> 16)
    }

    /// Widens bfloat16 bits to a Float32 (exact).
    @inlinable
    public static func float(fromBits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
