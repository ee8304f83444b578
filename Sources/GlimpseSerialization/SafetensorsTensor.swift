// SafetensorsTensor: one named tensor of a safetensors file, kept as its raw bytes.
//
// The bytes stay in the file's dtype (little-endian, row-major) until someone asks for
// Float32, so a file can be read, inspected and written back unchanged. Conversions
// run as one tight loop over unsafe buffers (no per-element appends): a few million
// F16/BF16 weights decode in milliseconds.

import GlimpseTensor

/// A named tensor as stored in a safetensors file: dtype, shape and raw little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    /// The tensor's key in the file, e.g. `"backbone.fire2.squeeze.weight"`.
    public var name: String
    /// The element type of `bytes`.
    public var dtype: SafetensorsDType
    /// The extent of each axis, outermost first; `[]` is a scalar.
    public var shape: [Int]
    /// The elements, row-major, little-endian; `bytes.count == elementCount * dtype.byteSize`.
    public var bytes: [UInt8]

    /// Creates a tensor from raw bytes already in `dtype`'s little-endian layout.
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "SafetensorsTensor \(name): negative extent in \(shape)")
        precondition(bytes.count == Tensor.elementCount(shape) * dtype.byteSize,
                     "SafetensorsTensor \(name): \(bytes.count) bytes do not hold \(shape) of \(dtype.rawValue)")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Encodes a Float32 tensor as `dtype` (F32, F16, BF16 or F64), rounding to nearest even.
    public init(name: String, tensor: Tensor, dtype: SafetensorsDType = .f32) {
        precondition(dtype.isWritable, "SafetensorsTensor \(name): cannot encode Float32 as \(dtype.rawValue)")
        let count = tensor.count
        let byteCount = count * dtype.byteSize
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            tensor.withUnsafeBufferPointer { src in
                switch dtype {
                case .f32:
                    for i in 0..<count { raw.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
                case .f16:
                    for i in 0..<count { raw.storeBytes(of: Float16(src[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
                case .bf16:
                    for i in 0..<count { raw.storeBytes(of: BFloat16.bits(from: src[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
                case .f64:
                    for i in 0..<count { raw.storeBytes(of: Double(src[i]).bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self) }
                default:
                    preconditionFailure("unreachable: checked isWritable")
                }
            }
            initialized = byteCount
        }
        self.init(name: name, dtype: dtype, shape: tensor.shape, bytes: bytes)
    }

    /// The number of elements.
    public var elementCount: Int { Tensor.elementCount(shape) }

    /// The elements widened (or, for 32/64-bit integers and F64, rounded) to a Float32 tensor.
    ///
    /// F16, BF16, F8 and integers up to 16 bits convert exactly; BOOL becomes 0 or 1.
    public func float32() -> Tensor {
        let count = elementCount
        let scalars = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                SafetensorsTensor.decode(raw, as: dtype, count: count, into: out)
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Decodes `count` little-endian elements of `dtype` from `raw` into `out` (one loop per dtype).
    static func decode(_ raw: UnsafeRawBufferPointer, as dtype: SafetensorsDType, count: Int,
                       into out: UnsafeMutableBufferPointer<Float>) {
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        switch dtype {
        case .f32: for i in 0..<count { out[i] = Float(bitPattern: load(UInt32.self, i)) }
        case .f16: for i in 0..<count { out[i] = Float(Float16(bitPattern: load(UInt16.self, i))) }
        case .bf16: for i in 0..<count { out[i] = BFloat16.float(fromBits: load(UInt16.self, i)) }
        case .f64: for i in 0..<count { out[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
        case .f8e5m2: for i in 0..<count { out[i] = Float(Float16(bitPattern: UInt16(raw[i]) << 8)) }
        case .f8e4m3: for i in 0..<count { out[i] = float(fromE4M3: raw[i]) }
        case .bool: for i in 0..<count { out[i] = raw[i] == 0 ? 0 : 1 }
        case .u8: for i in 0..<count { out[i] = Float(raw[i]) }
        case .i8: for i in 0..<count { out[i] = Float(Int8(bitPattern: raw[i])) }
        case .i16: for i in 0..<count { out[i] = Float(load(Int16.self, i)) }
        case .u16: for i in 0..<count { out[i] = Float(load(UInt16.self, i)) }
        case .i32: for i in 0..<count { out[i] = Float(load(Int32.self, i)) }
        case .u32: for i in 0..<count { out[i] = Float(load(UInt32.self, i)) }
        case .i64: for i in 0..<count { out[i] = Float(load(Int64.self, i)) }
        case .u64: for i in 0..<count { out[i] = Float(load(UInt64.self, i)) }
        }
    }

    /// Widens an E4M3FN byte (bias 7, no infinities, S.1111.111 is NaN; OCP 8-bit FP spec) to Float32.
    static func float(fromE4M3 byte: UInt8) -> Float {
        let sign: Float = byte & 0x80 != 0 ? -1 : 1
        let exponent = Int((byte >> 3) & 0x0F)
        let mantissa = Float(byte & 0x07)
        if exponent == 0x0F && byte & 0x07 == 0x07 { return .nan }
        if exponent == 0 { return sign * mantissa / 8 * Float(sign: .plus, exponent: -6, significand: 1) }
        return sign * (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }
}
