// ChannelConcat: joining tensors along the channel axis (axis 1) and splitting them again.

extension Tensor {
    /// Concatenates `[N, C_i, ...]` tensors along axis 1: `[N, sum C_i, ...]`.
    public static func concatChannels(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatChannels: nothing to join")
        let n = parts[0].shape[0]
        let trailing = Array(parts[0].shape.dropFirst(2))
        for part in parts {
            precondition(part.rank >= 2 && part.shape[0] == n && Array(part.shape.dropFirst(2)) == trailing,
                         "concatChannels: \(part.shape) does not match \(parts[0].shape) outside axis 1")
        }
        let spatial = trailing.reduce(1, *)
        let channels = parts.reduce(0) { $0 + $1.shape[1] }
        return Tensor(uninitializedShape: [n, channels] + trailing) { out in
            var offset = 0
            for part in parts {
                let block = part.shape[1] * spatial
                part.withUnsafeBufferPointer { src in
                    for image in 0..<n {
                        (out.baseAddress! + image * channels * spatial + offset)
                            .update(from: src.baseAddress! + image * block, count: block)
                    }
                }
                offset += block
            }
        }
    }

    /// Splits `[N, C, ...]` along axis 1 into parts with the given channel counts (inverse of `concatChannels`).
    public func splitChannels(_ counts: [Int]) -> [Tensor] {
        precondition(rank >= 2 && counts.reduce(0, +) == shape[1], "splitChannels: \(counts) do not sum to \(shape)")
        let n = shape[0]
        let trailing = Array(shape.dropFirst(2))
        let spatial = trailing.reduce(1, *)
        var offset = 0
        return counts.map { channelCount in
            let block = channelCount * spatial
            let start = offset
            offset += block
            return withUnsafeBufferPointer { src in
                Tensor(uninitializedShape: [n, channelCount] + trailing) { out in
                    for image in 0..<n {
                        (out.baseAddress! + image * block)
                            .update(from: src.baseAddress! + image * shape[1] * spatial + start, count: block)
                    }
                }
            }
        }
    }
}
