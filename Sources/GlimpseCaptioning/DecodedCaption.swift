// DecodedCaption: one sentence a decoder (greedy or beam search) returns for an image, with the
// numbers it was ranked by. Token ids only; `CaptionVocabulary.text(of:)` turns them into words.

/// A caption a decoder produced for one image.
public struct DecodedCaption: Sendable, Equatable {
    /// The word ids, without `<s>` and `</s>`.
    public var tokens: [Int]
    /// The sum of the chosen tokens' log-probabilities, including `</s>` when the caption ended.
    public var logProbability: Float
    /// The score captions were ranked by: `logProbability / length^alpha` (see `BeamSearch`).
    public var score: Float
    /// Whether the network ended the caption with `</s>` (false: cut at the length limit).
    public var finished: Bool

    /// Creates a caption from its tokens and numbers.
    public init(tokens: [Int], logProbability: Float, score: Float, finished: Bool) {
        self.tokens = tokens
        self.logProbability = logProbability
        self.score = score
        self.finished = finished
    }
}
