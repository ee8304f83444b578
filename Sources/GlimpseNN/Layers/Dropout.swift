// Dropout (Srivastava et al. 2014), inverted: kept units are scaled by 1 / (1 - p) during
// training so inference is the identity. (The seed text scales by (1 - p) at test time
// instead; the two agree in expectation.) The mask comes from the forward context's
// generator, never from a global one: in order, or row by row from the context's per-example
// streams when it has them (a row's mask then depends only on its example, see ForwardContext).

import GlimpseTensor

/// Zeroes each element with probability `probability` during training; identity at inference.
public struct Dropout: Layer {
    /// The probability of dropping an element.
    public let probability: Float

    /// Creates the layer; `probability` in [0, 1).
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1)")
        self.probability = probability
    }

    /// Inference: the identity.
    public func callAsFunction(_ input: Tensor) -> Tensor { input }

    /// Training forward: draws one uniform number per element from `context.random`, or, when the
    /// context draws per example, row n's (`input` `[N, ...]`) from the n-th of its example streams.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let keep = 1 - probability
        let scale = 1 / keep
        var mask = Tensor(zeros: input.shape)
        let rows = input.rank == 0 ? 1 : input.shape[0]
        if var streams = context.exampleStreams(count: rows) {
            let perRow = rows == 0 ? 0 : input.count / rows
            mask.withUnsafeMutableBufferPointer { m in
                for row in 0..<rows {
                    for i in (row * perRow)..<((row + 1) * perRow) { m[i] = streams[row].nextUniform() < keep ? scale : 0 }
                }
            }
        } else {
            mask.withUnsafeMutableBufferPointer { m in
                for i in m.indices { m[i] = context.random.nextUniform() < keep ? scale : 0 }
            }
        }
        return (input * mask, { dy, _ in dy * mask })
    }
}
