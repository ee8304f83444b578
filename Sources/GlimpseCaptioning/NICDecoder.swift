// NICDecoder: a trained NIC network as a `CaptionStepper`, so greedy and beam search drive it
// one word at a time over a batch of rows (every beam of every image). With half precision the
// weights are rounded to Float16 once and every activation (inputs, states, scores) after
// each operation, which measures what storing them in Float16 would cost.

import Foundation
import GlimpseNN
import GlimpseTensor

/// Steps a NIC network word by word.
public struct NICDecoder: CaptionStepper {
    /// The LSTM's (or RNN's) hidden and cell state, one row per beam.
    public typealias State = RecurrentState

    /// The network (weights rounded to Float16 when `halfPrecision`).
    public let network: NICNetwork
    /// The words by id.
    public let vocabulary: CaptionVocabulary
    /// Whether weights and activations are rounded to Float16.
    public let halfPrecision: Bool

    /// Wraps `network`, whose vocabulary is `vocabulary`.
    public init(network: NICNetwork, vocabulary: CaptionVocabulary, halfPrecision: Bool = false) {
        precondition(network.vocabulary == vocabulary.count,
                     "NICDecoder: the network scores \(network.vocabulary) ids, the vocabulary has \(vocabulary.count)")
        var network = network
        if halfPrecision { network.updateParameters { _, tensor in tensor = tensor.roundedToHalf() } }
        (self.network, self.vocabulary, self.halfPrecision) = (network, vocabulary, halfPrecision)
    }

    /// V.
    public var vocabularySize: Int { vocabulary.count }
    /// `<s>`.
    public var startToken: Int { vocabulary.startID }
    /// `</s>`.
    public var endToken: Int { vocabulary.endID }

    func rounded(_ t: Tensor) -> Tensor { halfPrecision ? t.roundedToHalf() : t }

    func rounded(_ s: RecurrentState) -> RecurrentState {
        halfPrecision ? RecurrentState(hidden: s.hidden.roundedToHalf(), cell: s.cell?.roundedToHalf()) : s
    }

    /// One recurrent step: `input` `[B, E]` from `state` (each `[B, H]`).
    func recurrentStep(_ input: Tensor, _ state: RecurrentState) -> RecurrentState {
        rounded(network.lstm?.step(input, state: state) ?? network.rnn!.step(input, state: state))
    }

    /// The state after the image: features `[N, D]` -> each `[N, H]`.
    public func start(_ features: Tensor) -> RecurrentState {
        precondition(features.rank == 2 && features.shape[1] == network.featureSize,
                     "NICDecoder: features must be [N, \(network.featureSize)], got \(features.shape)")
        let n = features.shape[0]
        let projected = rounded(network.imageEmbedding(rounded(features)))
        let zeros = Tensor(zeros: [n, network.hiddenSize])
        switch network.feeding {
        case .firstInput:
            return recurrentStep(projected, RecurrentState(hidden: zeros, cell: network.lstm != nil ? zeros : nil))
        case .initialState:
            return RecurrentState(hidden: projected, cell: network.lstm != nil ? zeros : nil)
        }
    }

    /// Feeds one id per row; returns the log-probabilities `[B, V]` of the next id and the new state.
    public func step(tokens: [Int], state: RecurrentState) -> (logProbabilities: Tensor, state: RecurrentState) {
        precondition(tokens.count == state.hidden.shape[0], "NICDecoder: \(tokens.count) tokens for \(state.hidden.shape[0]) rows")
        let input = rounded(network.wordEmbedding(Tensor(shape: [tokens.count], scalars: tokens.map(Float.init))))
        let next = recurrentStep(input, state)
        return (rounded(Self.logSoftmax(network.logits(next.hidden))), next)
    }

    /// The rows `rows` of `state`, in that order.
    public func select(_ state: RecurrentState, rows: [Int]) -> RecurrentState {
        RecurrentState(hidden: Self.rows(state.hidden, rows), cell: state.cell.map { Self.rows($0, rows) })
    }

    /// Rows `rows` of `matrix` `[B, H]`: `[rows.count, H]`.
    static func rows(_ matrix: Tensor, _ rows: [Int]) -> Tensor {
        let h = matrix.shape[1]
        return Tensor(uninitializedShape: [rows.count, h]) { out in
            matrix.withUnsafeBufferPointer { m in
                for (k, row) in rows.enumerated() {
                    precondition(row >= 0 && row < matrix.shape[0], "NICDecoder.select: row \(row) of \(matrix.shape[0])")
                    (out.baseAddress! + k * h).update(from: m.baseAddress! + row * h, count: h)
                }
            }
        }
    }

    /// Row-wise log-softmax of `scores` `[B, V]`.
    public static func logSoftmax(_ scores: Tensor) -> Tensor {
        let (b, v) = (scores.shape[0], scores.shape[1])
        var out = scores
        out.withUnsafeMutableBufferPointer { p in
            for row in 0..<b {
                let base = p.baseAddress! + row * v
                var m = -Float.infinity
                for j in 0..<v { m = max(m, base[j]) }
                var total: Float = 0
                for j in 0..<v { total += expf(base[j] - m) }
                let shift = m + logf(total)
                for j in 0..<v { base[j] -= shift }
            }
        }
        return out
    }
}
