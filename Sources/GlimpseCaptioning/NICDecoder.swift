// NICDecoder: a trained NIC network as a `CaptionStepper`, so greedy and beam search drive it
// one word at a time over a batch of rows (every beam of every image). With half precision the
// weights are rounded to Float16 once and every activation (inputs, states, scores) after
// each operation, which measures what storing them in Float16 would cost. With every-step
// feeding the state carries each row's projected image too, since every step reads it again.

import Foundation
import GlimpseNN
import GlimpseTensor

/// Steps a NIC network word by word.
public struct NICDecoder: CaptionStepper {
    /// The decoder's state, one row per beam.
    public struct State: Sendable {
        /// The LSTM's (or RNN's) hidden and cell state, each `[B, H]`.
        public var recurrent: RecurrentState
        /// The projected image `[B, E]` each step reads (every-step feeding; nil otherwise).
        public var image: Tensor?
    }

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

    /// The state after the image: features `[N, D]` -> each `[N, H]` (and the projected image `[N, E]`).
    public func start(_ features: Tensor) -> State {
        precondition(features.rank == 2 && features.shape[1] == network.featureSize,
                     "NICDecoder: features must be [N, \(network.featureSize)], got \(features.shape)")
        let n = features.shape[0]
        let projected = rounded(network.imageEmbedding(rounded(network.scaledFeatures(features))))
        let zeros = Tensor(zeros: [n, network.hiddenSize])
        switch network.feeding {
        case .firstInput:
            return State(recurrent: recurrentStep(projected, RecurrentState(hidden: zeros, cell: network.lstm != nil ? zeros : nil)))
        case .initialState:
            return State(recurrent: RecurrentState(hidden: projected, cell: network.lstm != nil ? zeros : nil))
        case .everyStep:
            return State(recurrent: RecurrentState(hidden: zeros, cell: network.lstm != nil ? zeros : nil), image: projected)
        }
    }

    /// Feeds one id per row; returns the log-probabilities `[B, V]` of the next id and the new state.
    public func step(tokens: [Int], state: State) -> (logProbabilities: Tensor, state: State) {
        let rows = state.recurrent.hidden.shape[0]
        precondition(tokens.count == rows, "NICDecoder: \(tokens.count) tokens for \(rows) rows")
        let words = rounded(network.wordEmbedding(Tensor(shape: [tokens.count], scalars: tokens.map(Float.init))))
        let input = state.image.map { Self.concatenatingRows(words, $0) } ?? words
        let next = recurrentStep(input, state.recurrent)
        return (rounded(Self.logSoftmax(network.logits(next.hidden))), State(recurrent: next, image: state.image))
    }

    /// The rows `rows` of `state`, in that order.
    public func select(_ state: State, rows: [Int]) -> State {
        let recurrent = state.recurrent
        return State(recurrent: RecurrentState(hidden: Self.rows(recurrent.hidden, rows), cell: recurrent.cell.map { Self.rows($0, rows) }),
                     image: state.image.map { Self.rows($0, rows) })
    }

    /// Each row of `left` `[B, P]` followed by the same row of `right` `[B, Q]`: `[B, P + Q]`.
    static func concatenatingRows(_ left: Tensor, _ right: Tensor) -> Tensor {
        precondition(left.rank == 2 && right.rank == 2 && left.shape[0] == right.shape[0],
                     "NICDecoder: cannot put \(left.shape) and \(right.shape) side by side")
        let (b, p, q) = (left.shape[0], left.shape[1], right.shape[1])
        return Tensor(uninitializedShape: [b, p + q]) { out in
            left.withUnsafeBufferPointer { l in
                right.withUnsafeBufferPointer { r in
                    for row in 0..<b {
                        (out.baseAddress! + row * (p + q)).update(from: l.baseAddress! + row * p, count: p)
                        (out.baseAddress! + row * (p + q) + p).update(from: r.baseAddress! + row * q, count: q)
                    }
                }
            }
        }
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
