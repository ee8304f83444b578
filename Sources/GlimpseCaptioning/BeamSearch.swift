// BeamSearch: the best few captions per image, for many images at once (Vinyals et al. 2015,
// "Show and Tell", section 4.3; im2txt's `caption_generator.py` without the bug of
// tensorflow/models#6513, where finished captions used up beam slots and dropped the best words).
//
// Batching: every live beam of every image is one row of ONE `stepper.step` call per word
// position (rows ordered by image, then beam); after the selection `stepper.select` gathers the
// surviving rows. The first step feeds `<s>` to one row per image (the k identical beams of t=0
// are not duplicated); its best tokens become the image's first k beams.
//
// One step, per image, with k = beamWidth:
// - the candidates are all (beam, token) extensions, ranked by cumulative log-probability, then
//   the lower token id, then the lower beam index (so nothing depends on sort stability);
// - walking the best 2k of them in that order, a `</s>` candidate becomes a finished caption (kept
//   in the image's finished list, not extended) and takes no live slot; any other candidate
//   becomes a live beam, until k beams are live. At most k candidates end (one per beam), so
//   2k are enough to keep k live beams whenever that many extensions exist;
// - each row's best 2k tokens come from a partial selection (`BeamCandidate.appendBest`), never
//   a sort of the V entries.
//
// Length limit: a caption holds at most `maxLength` words, then `</s>`. At step `maxLength` the
// walk runs as usual but its live beams cannot grow: the beams of length `maxLength` whose `</s>`
// was not taken are the image's unfinished captions (their log-probability stops before the cut
// token), returned with `finished: false` only to fill up `count` when fewer captions finished.
//
// Score: `logP / len^alpha`, len = tokens including `</s>` (a cut caption: its words), alpha =
// `lengthNormalization`; 0 (im2txt's default) ranks by log-probability alone.
//
// Stopping an image (exact): with alpha = 0, once it has `count` finished captions and its best
// live beam's log-probability is no higher than the count-th best finished one: log-probabilities
// are <= 0, so no extension can rank above it any more (a tie ranks after it: equal scores keep
// the order they finished in). With alpha > 0 a longer caption can outscore a shorter one with
// the same log-probability, so there is no such bound: an image runs until `maxLength` or until
// it has no live beams.

import Foundation
import GlimpseTensor

/// Batched beam search over a `CaptionStepper`: the best `count` captions of every image.
public struct BeamSearch: Sendable {
    /// The number of live beams kept per image (k).
    public let beamWidth: Int
    /// The most words a caption may hold, not counting `</s>`.
    public let maxLength: Int
    /// The length-normalisation exponent alpha in `score = logP / len^alpha` (0: off).
    public let lengthNormalization: Float

    /// Creates a beam search keeping `beamWidth` beams per image.
    public init(beamWidth: Int, maxLength: Int = 20, lengthNormalization: Float = 0) {
        precondition(beamWidth >= 1, "BeamSearch: beamWidth \(beamWidth) must be at least 1")
        precondition(maxLength >= 0, "BeamSearch: maxLength \(maxLength) is negative")
        precondition(lengthNormalization >= 0 && lengthNormalization.isFinite,
                     "BeamSearch: lengthNormalization \(lengthNormalization) must be finite and >= 0")
        self.beamWidth = beamWidth
        self.maxLength = maxLength
        self.lengthNormalization = lengthNormalization
    }

    /// The ranking score of a caption of `length` tokens (counting `</s>` if it ended).
    public func score(logProbability: Float, length: Int) -> Float {
        lengthNormalization == 0 ? logProbability : logProbability / pow(Float(max(length, 1)), lengthNormalization)
    }

    /// For each row of `features` `[N, D]`, its best `count` (1...beamWidth) captions, best first:
    /// finished ones by score, then (only if fewer than `count` finished) cut ones by score.
    /// Fewer than `count` come back only if fewer captions exist within `maxLength`.
    public func decode<S: CaptionStepper>(_ stepper: S, features: Tensor, count: Int) -> [[DecodedCaption]] {
        precondition(features.rank == 2, "BeamSearch: features must be [N, D], got \(features.shape)")
        precondition((1...beamWidth).contains(count), "BeamSearch: count \(count) must be in 1...\(beamWidth)")
        let vocabularySize = stepper.vocabularySize
        let endToken = stepper.endToken
        precondition(vocabularySize > 0 && (0..<vocabularySize).contains(endToken),
                     "BeamSearch: endToken \(endToken) outside the vocabulary of \(vocabularySize)")
        var images = [ImageSearch](repeating: ImageSearch(), count: features.shape[0])
        var feed = [Int](repeating: stepper.startToken, count: images.count)
        var state = stepper.start(features)
        var position = 0
        while !feed.isEmpty {
            let (output, next) = stepper.step(tokens: feed, state: state)
            precondition(output.shape == [feed.count, vocabularySize],
                         "BeamSearch: step returned \(output.shape), expected [\(feed.count), \(vocabularySize)]")
            var parentRows = [Int]()
            feed = []
            output.withUnsafeBufferPointer { all in
                var firstRow = 0
                for index in images.indices where !images[index].beams.isEmpty {
                    let beamCount = images[index].beams.count
                    let parents = advance(&images[index], rows: all, firstRow: firstRow, vocabularySize: vocabularySize,
                                          endToken: endToken, isLast: position == maxLength, count: count)
                    parentRows += parents
                    feed += images[index].beams.map { $0.tokens.last! }
                    firstRow += beamCount
                }
            }
            position += 1
            if !feed.isEmpty { state = stepper.select(next, rows: parentRows) }
        }
        return images.map { image in
            let finished = Array(Self.ranked(image.finished).prefix(count))
            return finished + Self.ranked(image.unfinished).prefix(count - finished.count)
        }
    }

    // MARK: - One image's search

    /// A live beam: its words so far and their summed log-probability.
    private struct Beam {
        var tokens: [Int]
        var logProbability: Float
    }

    /// The search state of one image: live beams (rows of the next step), finished and cut captions.
    private struct ImageSearch {
        var beams = [Beam(tokens: [], logProbability: 0)]
        var finished = [DecodedCaption]()
        var unfinished = [DecodedCaption]()
    }

    /// One step of one image whose beams are rows `firstRow...` of `rows` `[rows, V]`: finishes
    /// captions, replaces the live beams, and returns each new beam's parent row.
    private func advance(_ image: inout ImageSearch, rows: UnsafeBufferPointer<Float>, firstRow: Int,
                         vocabularySize: Int, endToken: Int, isLast: Bool, count: Int) -> [Int] {
        let limit = 2 * beamWidth
        var candidates = [BeamCandidate]()
        candidates.reserveCapacity(image.beams.count * min(limit, vocabularySize))
        for (index, beam) in image.beams.enumerated() {
            let start = (firstRow + index) * vocabularySize
            BeamCandidate.appendBest(of: UnsafeBufferPointer(rebasing: rows[start..<(start + vocabularySize)]),
                                     base: beam.logProbability, beam: index, limit: min(limit, vocabularySize), to: &candidates)
        }
        candidates.sort { $0.precedes($1) }

        var live = [Beam]()
        var parents = [Int]()
        var ended = [Bool](repeating: false, count: image.beams.count)
        for candidate in candidates.prefix(limit) where live.count < beamWidth {
            let parent = image.beams[candidate.beam]
            if candidate.token == endToken {
                ended[candidate.beam] = true
                image.finished.append(DecodedCaption(
                    tokens: parent.tokens, logProbability: candidate.logProbability,
                    score: score(logProbability: candidate.logProbability, length: parent.tokens.count + 1), finished: true))
            } else {
                live.append(Beam(tokens: parent.tokens + [candidate.token], logProbability: candidate.logProbability))
                parents.append(firstRow + candidate.beam)
            }
        }

        if isLast {
            for (index, beam) in image.beams.enumerated() where !ended[index] {
                image.unfinished.append(DecodedCaption(
                    tokens: beam.tokens, logProbability: beam.logProbability,
                    score: score(logProbability: beam.logProbability, length: beam.tokens.count), finished: false))
            }
            image.beams = []
            return []
        }
        if lengthNormalization == 0, image.finished.count >= count, let best = live.first {
            let countth = image.finished.map(\.logProbability).sorted(by: >)[count - 1]
            if best.logProbability <= countth { live = [] }
        }
        image.beams = live
        return live.isEmpty ? [] : parents
    }

    /// `captions` by score, best first; equal scores keep their order (the order they finished in).
    private static func ranked(_ captions: [DecodedCaption]) -> [DecodedCaption] {
        captions.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.map(\.element)
    }
}
