// CaptionStepper: what a decoder (greedy or beam search) needs from a caption network: the
// state after the image, and one word step for a batch of rows. Beam search over many images
// runs every beam of every image as one row of one step, so the network sees one batch per
// word position however many images are decoded.

import GlimpseTensor

/// A network that generates a sentence one token at a time.
public protocol CaptionStepper {
    /// The recurrent state of a batch of rows (row i of every tensor belongs to row i).
    associatedtype State

    /// The number of token ids (rows of the output distribution).
    var vocabularySize: Int { get }
    /// The id fed at the first word step (`<s>`).
    var startToken: Int { get }
    /// The id that ends a sentence (`</s>`).
    var endToken: Int { get }

    /// The state after reading the images: one row per image of `features` `[N, D]`.
    func start(_ features: Tensor) -> State

    /// One step: feeds `tokens` (one id per row of `state`) and returns the log-probabilities
    /// of the next token, `[rows, vocabularySize]`, and the state after the step.
    func step(tokens: [Int], state: State) -> (logProbabilities: Tensor, state: State)

    /// The state made of `state`'s rows at `rows`, in that order (rows may repeat): beam search
    /// reorders and copies its beams with it.
    func select(_ state: State, rows: [Int]) -> State
}
