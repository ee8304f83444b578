// Embedding: a lookup table from token ids to vectors (PyTorch's `nn.Embedding`; the seed text's
// Embedding layer, vol. 2 ch. 4), the word embedding of the captioner.
//
// To fit the single-tensor `Layer` protocol the ids arrive as a tensor of integral floats (exact
// for ids below 2^24); each is read rounded to the nearest integer and must lie within 0.01 of it,
// so a gradient check's small perturbation of the ids reads the same ids. The ids are not
// differentiable: the pullback returns zeros for them, and scatters the output gradient into the
// rows of `weight` that were read (adding where an id repeats). The row of `paddingID`, if
// set, gets no gradient (PyTorch's `padding_idx`).

import GlimpseTensor

/// Token ids `[...]` -> their rows of `weight` `[vocabulary, width]`: output `[..., width]`.
public struct Embedding: Layer {
    /// The vectors, `[vocabulary, width]`, named `weight`.
    public var weight: Tensor
    /// The id whose row receives no gradient (padding), or nil.
    public let paddingID: Int?

    /// Creates the layer from an existing table `[vocabulary, width]`.
    public init(weight: Tensor, paddingID: Int? = nil) {
        precondition(weight.rank == 2 && weight.shape[0] >= 1, "Embedding: weight must be [vocabulary, width], got \(weight.shape)")
        if let paddingID {
            precondition(paddingID >= 0 && paddingID < weight.shape[0],
                         "Embedding: padding id \(paddingID) outside 0..<\(weight.shape[0])")
        }
        self.weight = weight
        self.paddingID = paddingID
    }

    /// Creates the layer with PyTorch's initialisation: standard normal rows, the padding row zero.
    public init(vocabulary: Int, width: Int, paddingID: Int? = nil, random: inout SeededGenerator) {
        precondition(vocabulary >= 1 && width >= 1, "Embedding: sizes must be positive, got \(vocabulary), \(width)")
        var table = Tensor(shape: [vocabulary, width]) { _ in random.nextNormal() }
        if let paddingID, paddingID >= 0, paddingID < vocabulary {
            table.withUnsafeMutableBufferPointer { t in for j in 0..<width { t[paddingID * width + j] = 0 } }
        }
        self.init(weight: table, paddingID: paddingID)
    }

    /// The vocabulary size (rows of `weight`).
    public var vocabulary: Int { weight.shape[0] }
    /// The vector width (columns of `weight`).
    public var width: Int { weight.shape[1] }

    /// The ids of `input` (any shape) as integers, checked against the vocabulary.
    func ids(_ input: Tensor) -> [Int] {
        input.scalars.enumerated().map { index, value in
            let id = value.rounded()
            precondition(abs(value - id) <= 0.01 && id >= 0 && id < Float(vocabulary),
                         "Embedding: entry \(index) is \(value), not an id in 0..<\(vocabulary)")
            return Int(id)
        }
    }

    /// Inference: ids `[...]` (integral floats) -> `[..., width]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let ids = ids(input)
        let width = self.width
        return Tensor(uninitializedShape: input.shape + [width]) { out in
            weight.withUnsafeBufferPointer { w in
                for (row, id) in ids.enumerated() {
                    (out.baseAddress! + row * width).update(from: w.baseAddress! + id * width, count: width)
                }
            }
        }
    }

    /// Training forward; the pullback scatters the output gradient `[..., width]` into `weight`
    /// and returns zeros shaped like the ids.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let ids = ids(input)
        let (shape, width, paddingID) = (weight.shape, self.width, self.paddingID)
        return (output, { dy, gradients in
            precondition(dy.shape == output.shape, "Embedding: output gradient \(dy.shape) does not match \(output.shape)")
            if gradients.wants("weight") {
                var dW = Tensor(zeros: shape)
                dW.withUnsafeMutableBufferPointer { d in
                    dy.withUnsafeBufferPointer { g in
                        for (row, id) in ids.enumerated() where id != paddingID {
                            for j in 0..<width { d[id * width + j] += g[row * width + j] }
                        }
                    }
                }
                gradients.accumulate("weight", dW)
            }
            return Tensor(zeros: input.shape)
        })
    }

    /// Visits `weight`.
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        body("weight", weight)
    }

    /// Visits `weight` mutably.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
    }
}
