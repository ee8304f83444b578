// SafetensorsDType: the element types a safetensors file can declare.
//
// The names are the strings of the "dtype" field in the header
// (https://github.com/huggingface/safetensors, `Dtype` in safetensors/src/tensor.rs).
// The case order is the reference's enum order; its writer lays tensors out by that
// order descending (widest alignment first), then by name, and so do we, so that
// files written here are byte-identical to the reference's.

/// An element type of a tensor stored in a safetensors file.
public enum SafetensorsDType: String, Sendable, CaseIterable, Comparable {
    /// Booleans, one byte each (0 or 1).
    case bool = "BOOL"
    /// Unsigned 8-bit integers.
    case u8 = "U8"
    /// Signed 8-bit integers.
    case i8 = "I8"
    /// 8-bit floats with 5 exponent and 2 mantissa bits (the upper byte of a binary16).
    case f8e5m2 = "F8_E5M2"
    /// 8-bit floats with 4 exponent and 3 mantissa bits, no infinities ("E4M3FN").
    case f8e4m3 = "F8_E4M3"
    /// Signed 16-bit integers.
    case i16 = "I16"
    /// Unsigned 16-bit integers.
    case u16 = "U16"
    /// IEEE 754 binary16.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16 = "BF16"
    /// Signed 32-bit integers.
    case i32 = "I32"
    /// Unsigned 32-bit integers.
    case u32 = "U32"
    /// IEEE 754 binary32.
    case f32 = "F32"
    /// IEEE 754 binary64.
    case f64 = "F64"
    /// Signed 64-bit integers.
    case i64 = "I64"
    /// Unsigned 64-bit integers.
    case u64 = "U64"

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Whether a Float32 tensor can be encoded to this type by the writer (floats only).
    public var isWritable: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }

    /// The position in the reference implementation's `Dtype` enum.
    var rank: Int { SafetensorsDType.allCases.firstIndex(of: self)! }

    /// Orders types as the reference's `Dtype` enum does.
    public static func < (lhs: SafetensorsDType, rhs: SafetensorsDType) -> Bool {
        lhs.rank < rhs.rank
    }
}
