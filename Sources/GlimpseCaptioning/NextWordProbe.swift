// NextWordProbe: what a caption network would say next after a forced prefix. Decoding is
// teacher-forced through the prefix (`<s>` then the prefix's ids, the same for every image), and
// the log-probabilities of the next token are returned for every image at once. It is the
// diagnostic behind docs/captioning.md's "why every caption names a yellow eight": whether the
// distribution over the digit word after "the largest is a yellow" moves with the image at all.

import GlimpseTensor

/// The next-token distribution of a caption network after a forced prefix.
public struct NextWordProbe: Sendable {
    /// Creates a probe.
    public init() {}

    /// The log-probabilities `[N, V]` of the token after `<s>` and `prefix` (ids, none of them
    /// `</s>`) for each row of `features` `[N, D]`, in one `stepper.step` call per position.
    public func logProbabilities<S: CaptionStepper>(_ stepper: S, features: Tensor, prefix: [Int]) -> Tensor {
        precondition(features.rank == 2, "NextWordProbe: features must be [N, D], got \(features.shape)")
        precondition(prefix.allSatisfy { $0 >= 0 && $0 < stepper.vocabularySize && $0 != stepper.endToken },
                     "NextWordProbe: prefix ids \(prefix) outside 0..<\(stepper.vocabularySize) or </s>")
        let n = features.shape[0]
        var state = stepper.start(features)
        var (output, next) = stepper.step(tokens: [Int](repeating: stepper.startToken, count: n), state: state)
        for token in prefix {
            state = next
            (output, next) = stepper.step(tokens: [Int](repeating: token, count: n), state: state)
        }
        return output
    }

    /// The `top` most probable tokens of each row of `logProbabilities` `[N, V]`, best first
    /// (ties: the lower id), with their log-probabilities.
    public static func best(_ logProbabilities: Tensor, top: Int) -> [[(token: Int, logProbability: Float)]] {
        precondition(logProbabilities.rank == 2 && top >= 1, "NextWordProbe.best: \(logProbabilities.shape), top \(top)")
        let v = logProbabilities.shape[1]
        return (0..<logProbabilities.shape[0]).map { row in
            let scores = Array(logProbabilities.scalars[(row * v)..<((row + 1) * v)])
            let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            return order.prefix(top).map { (token: $0, logProbability: scores[$0]) }
        }
    }
}
