// RunLengthMask: COCO's run-length encoding of a binary mask, and its compressed string form.
//
// Format (pycocotools `maskApi.c`, rleEncode / rleToString / rleFrString): pixels are read in
// column-major (Fortran) order, x outer, y inner; `counts` alternates runs of 0s and 1s and
// always starts with a run of 0s (possibly empty). The compressed string stores each count,
// minus the count two places earlier from the third on, as a little-endian sequence of 5-bit
// groups, each group offset by 48 into printable ASCII, 0x20 marking "more groups follow" and
// 0x10 in the last group being the sign bit.

/// A COCO run-length-encoded mask of `height` x `width` pixels.
public struct RunLengthMask: Sendable, Equatable {
    /// Rows.
    public var height: Int
    /// Columns.
    public var width: Int
    /// Alternating run lengths of 0s and 1s in column-major order, starting with 0s.
    public var counts: [Int]

    /// Creates an RLE; the counts must sum to `height * width`.
    public init(height: Int, width: Int, counts: [Int]) {
        precondition(counts.allSatisfy { $0 >= 0 } && counts.reduce(0, +) == height * width,
                     "RunLengthMask: counts do not cover \(width)x\(height)")
        (self.height, self.width, self.counts) = (height, width, counts)
    }

    /// Encodes a mask.
    public init(_ mask: InstanceMask) {
        var counts = [Int]()
        var current = false, run = 0
        for x in 0..<mask.width {
            for y in 0..<mask.height {
                let bit = mask.bits[y * mask.width + x]
                if bit != current { counts.append(run); run = 0; current = bit }
                run += 1
            }
        }
        counts.append(run)
        self.init(height: mask.height, width: mask.width, counts: counts)
    }

    /// The mask this encodes.
    public func decoded() -> InstanceMask {
        var mask = InstanceMask(width: width, height: height)
        var position = 0, bit = false
        for run in counts {
            if bit {
                for p in position..<(position + run) { mask.bits[(p % height) * width + p / height] = true }
            }
            position += run
            bit.toggle()
        }
        return mask
    }

    /// The number of 1 pixels.
    public var area: Int { stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] } }

    /// The compressed string form (pycocotools `rleToString`).
    public var compressedString: String {
        var out = [UInt8]()
        for i in 0..<counts.count {
            var x = counts[i]
            if i > 2 { x -= counts[i - 2] }
            var more = true
            while more {
                var c = UInt8(truncatingIfNeeded: x & 0x1F)
                x >>= 5  // arithmetic shift keeps the sign
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                out.append(c + 48)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes the compressed string form (pycocotools `rleFrString`); nil when the string is
    /// malformed or its counts do not cover `height * width`.
    public init?(height: Int, width: Int, compressed: String) {
        var counts = [Int]()
        let bytes = Array(compressed.utf8)
        var p = 0
        while p < bytes.count {
            var x = 0, k = 0, more = true
            while more {
                guard p < bytes.count, bytes[p] >= 48, bytes[p] < 48 + 64, k < 12 else { return nil }
                let c = Int(bytes[p]) - 48
                x |= (c & 0x1F) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if !more && (c & 0x10) != 0 { x |= -1 << (5 * k) }
            }
            if counts.count > 2 { x += counts[counts.count - 2] }
            guard x >= 0 else { return nil }
            counts.append(x)
        }
        guard height >= 0, width >= 0, counts.reduce(0, +) == height * width else { return nil }
        self.init(height: height, width: width, counts: counts)
    }
}
