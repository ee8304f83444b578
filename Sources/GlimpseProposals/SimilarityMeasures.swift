// SimilarityMeasures: the four region similarities of selective search (Uijlings et al.
// 2013, section 3.2), each in [0, 1], and their sums.
//
//   s_colour  = sum_k min(c_i^k, c_j^k)       (histogram intersection, L1-normalised histograms)
//   s_texture = sum_k min(t_i^k, t_j^k)
//   s_size    = 1 - (size(r_i) + size(r_j)) / size(im)
//   s_fill    = 1 - (size(BB_ij) - size(r_i) - size(r_j)) / size(im)

/// Which similarities a grouping strategy adds up.
public struct SimilarityMeasures: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int
    /// Creates a set from raw bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Colour histogram intersection.
    public static let colour = SimilarityMeasures(rawValue: 1)
    /// Texture histogram intersection.
    public static let texture = SimilarityMeasures(rawValue: 2)
    /// Prefers merging small regions first.
    public static let size = SimilarityMeasures(rawValue: 4)
    /// Prefers regions that fill each other's gaps.
    public static let fill = SimilarityMeasures(rawValue: 8)

    /// The paper's combinations (table 2): C+T+S+F, T+S+F, F, S.
    public static let all: SimilarityMeasures = [.colour, .texture, .size, .fill]
    /// Texture, size and fill.
    public static let textureSizeFill: SimilarityMeasures = [.texture, .size, .fill]

    /// Short name, e.g. "CTSF".
    public var name: String {
        var s = ""
        if contains(.colour) { s += "C" }
        if contains(.texture) { s += "T" }
        if contains(.size) { s += "S" }
        if contains(.fill) { s += "F" }
        return s
    }

    /// Parses a short name such as "CTSF" or "F"; nil for anything else.
    public init?(name: String) {
        var set = SimilarityMeasures()
        for ch in name.uppercased() {
            switch ch {
            case "C": set.insert(.colour)
            case "T": set.insert(.texture)
            case "S": set.insert(.size)
            case "F": set.insert(.fill)
            default: return nil
            }
        }
        if set.isEmpty { return nil }
        self = set
    }
}

/// The similarity functions themselves.
public enum Similarity {
    /// Histogram intersection of two histograms of `count` bins: sum of bin-wise minima.
    @inline(__always)
    public static func intersection(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += min(a[i], b[i]); s1 += min(a[i + 1], b[i + 1])
            s2 += min(a[i + 2], b[i + 2]); s3 += min(a[i + 3], b[i + 3])
            i += 4
        }
        while i < count { s0 += min(a[i], b[i]); i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Histogram intersection of two equally long arrays.
    public static func intersection(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "Similarity.intersection: \(a.count) vs \(b.count) bins")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
                return intersection(x, y, count: a.count)
            }
        }
    }

    /// s_size: 1 - (size_i + size_j) / imageSize.
    @inline(__always)
    public static func size(_ a: Int, _ b: Int, imageSize: Int) -> Float {
        1 - Float(a + b) / Float(imageSize)
    }

    /// s_fill: 1 - (size(BB_ij) - size_i - size_j) / imageSize.
    @inline(__always)
    public static func fill(_ boxA: PixelBox, _ a: Int, _ boxB: PixelBox, _ b: Int, imageSize: Int) -> Float {
        1 - Float(boxA.union(boxB).area - a - b) / Float(imageSize)
    }
}
