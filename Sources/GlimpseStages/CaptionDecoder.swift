// CaptionDecoder: sentences describing an image (the NIC stage: a CNN encoder and an LSTM
// decoder with beam search).

import GlimpseImaging

/// One generated sentence and its score.
public struct Caption: Sendable, Equatable {
    /// The sentence, words separated by single spaces.
    public var text: String
    /// The decoder's log-probability of the sentence.
    public var logProbability: Float

    /// Creates a caption.
    public init(text: String, logProbability: Float) {
        (self.text, self.logProbability) = (text, logProbability)
    }
}

/// Describes images in words.
public protocol CaptionDecoder: BackboneConsumer, Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// Up to `count` captions of `input.image`, best first.
    func captions(for input: StageInput, count: Int) throws -> [Caption]

    /// `captions(for:count:)` of each of a batch of images, in order: each image's captions or
    /// its own error (a bad image fails alone), each byte for byte what that image alone gets.
    /// Default: one call per image. (NIC's batched beam search does not qualify: batching its
    /// LSTM steps moves log-probabilities in the seventh digit, docs/speed.md.)
    func captions(for inputs: [StageInput], count: Int) -> [Result<[Caption], any Error>]
}

extension CaptionDecoder {
    /// One `captions(for:count:)` per image.
    public func captions(for inputs: [StageInput], count: Int) -> [Result<[Caption], any Error>] {
        inputs.map { input in Result { try captions(for: input, count: count) } }
    }
}
