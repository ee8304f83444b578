// GreedyDecoder: the simplest decoder, the most likely next word at every step (ties: the
// lower token id), for a batch of images at once. It is the reference beam search of width 1
// is tested against (`BeamSearch` with `beamWidth: 1` and no length normalisation returns the
// same captions).
//
// Length limit, as in `BeamSearch`: a caption may hold up to `maxLength` words and then
// `</s>`; at step `maxLength` an image whose most likely token is not `</s>` is cut there and
// returned with `finished: false` (its log-probability does not count the cut token).

import GlimpseTensor

/// Decodes one caption per image by taking the most likely token at every step.
public struct GreedyDecoder: Sendable {
    /// The most words a caption may hold, not counting `</s>`.
    public let maxLength: Int

    /// Creates a greedy decoder for captions of at most `maxLength` words.
    public init(maxLength: Int = 20) {
        precondition(maxLength >= 0, "GreedyDecoder: maxLength \(maxLength) is negative")
        self.maxLength = maxLength
    }

    /// One caption per row of `features` `[N, D]`, decoded with one `stepper.step` call per
    /// word position for all the images still unfinished. Its `score` is its `logProbability`.
    public func decode<S: CaptionStepper>(_ stepper: S, features: Tensor) -> [DecodedCaption] {
        precondition(features.rank == 2, "GreedyDecoder: features must be [N, D], got \(features.shape)")
        let imageCount = features.shape[0]
        let vocabularySize = stepper.vocabularySize
        var results = [DecodedCaption?](repeating: nil, count: imageCount)
        var words = [[Int]](repeating: [], count: imageCount)
        var logProbabilities = [Float](repeating: 0, count: imageCount)
        var live = Array(0..<imageCount)  // live[row] = image of that row
        var feed = [Int](repeating: stepper.startToken, count: imageCount)
        var state = stepper.start(features)
        var position = 0
        while !live.isEmpty {
            let (output, next) = stepper.step(tokens: feed, state: state)
            precondition(output.shape == [live.count, vocabularySize],
                         "GreedyDecoder: step returned \(output.shape), expected [\(live.count), \(vocabularySize)]")
            var keptRows = [Int]()
            var keptImages = [Int]()
            feed = []
            output.withUnsafeBufferPointer { all in
                for (row, image) in live.enumerated() {
                    let base = row * vocabularySize
                    var best = 0
                    for token in 0..<vocabularySize {
                        precondition(!all[base + token].isNaN, "GreedyDecoder: NaN log-probability")
                        if all[base + token] > all[base + best] { best = token }
                    }
                    if best == stepper.endToken {
                        let total = logProbabilities[image] + all[base + best]
                        results[image] = DecodedCaption(tokens: words[image], logProbability: total, score: total, finished: true)
                    } else if position == maxLength {
                        let total = logProbabilities[image]
                        results[image] = DecodedCaption(tokens: words[image], logProbability: total, score: total, finished: false)
                    } else {
                        logProbabilities[image] += all[base + best]
                        words[image].append(best)
                        keptRows.append(row)
                        keptImages.append(image)
                        feed.append(best)
                    }
                }
            }
            live = keptImages
            position += 1
            if !live.isEmpty { state = stepper.select(next, rows: keptRows) }
        }
        return results.map { $0! }
    }
}
