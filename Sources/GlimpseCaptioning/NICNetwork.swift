// NICNetwork: Show and Tell (Vinyals et al. 2015) on a transfer-learned CNN.
//
//   image [N, 3, S, S] -> cnn (SqueezeNet to fire9, or a Fast R-CNN trunk; see CaptionCNN) -> [N, C, h, w]
//   -> adaptive max pool to a grid x grid map -> flatten [N, D = C * grid^2]
//   -> image_embedding (Linear D -> E)                                  x_{-1}
//   words: <s>, w1 .. wL -> word_embedding (Embedding V x E)           x_0 .. x_L
//   LSTM (or the plain RNN of the ablation) over x_{-1}, x_0 .. x_L, dropout on its inputs and outputs
//   -> logits (Linear H -> V) at x_0 .. x_L predict w1 .. wL, </s>    (softmax cross-entropy)
//
// Image feeding (`ImageFeeding`): `firstInput` is the paper's (and im2txt's): the image embedding
// is the LSTM's input at t = -1, from a zero state, and nothing is predicted there.
// `initialState` is the seed text's wording, an ablation: image_embedding maps D -> H and is h0
// (c0 = 0), and the sequence starts at <s>. `everyStep` is "par-inject" (Tanti, Gatt & Camilleri
// 2018, "Where to put the image in an image caption generator"; also m-RNN and LRCN): the image
// embedding (D -> E) is concatenated with the word embedding at every step, so the LSTM reads
// [word; image] (width 2E) from a zero state starting at <s>, and the image's gradient is the sum
// over the steps of the second half of the input gradient.
//
// The pooled features are not a global average (NIC's Inception pool): a small grid of maxima
// keeps where the digits are, which the captions name ("left of", "in the top right corner"),
// and the maximum says whether a digit's features fired in a cell at all. `cnn` is frozen in the
// first training phase (features computed once) and optionally fine-tuned in a second, as in
// im2txt.
//
// Feature scale: the pooled features are multiplied by `featureScale` before the image embedding
// (1 unless trained with `--normalize-features`, which sets it to 1 / the RMS of the training
// features). Caffe SqueezeNet's fire9 maxima on 0-255 inputs have an RMS of about 22, so with
// im2txt's uniform ±0.08 embedding over 8,192 of them the image embedding is ~1,000 and every
// LSTM gate it reaches is saturated: no gradient reaches the image embedding and the LSTM reads a
// fixed random hash of the image (docs/captioning.md, "Why every caption names a yellow eight").
//
// Parameter names: `cnn.conv1.weight` ... (DeepConvNet's), `image_embedding.*`,
// `word_embedding.weight`, `lstm.weight_ih` ... or `rnn.*` (PyTorch's), `logits.*`.

import GlimpseNN
import GlimpseTensor

/// How the image reaches the recurrent network.
public enum ImageFeeding: String, Sendable, CaseIterable {
    /// The image embedding is the first input (NIC, im2txt).
    case firstInput = "first-input"
    /// The image embedding is the initial hidden state (the seed text's wording; an ablation).
    case initialState = "initial-state"
    /// The image embedding is concatenated with the word embedding at every step ("par-inject").
    case everyStep = "every-step"
}

/// The recurrent cell of the decoder.
public enum CaptionCell: String, Sendable, CaseIterable {
    /// Long short-term memory (NIC).
    case lstm
    /// The plain tanh RNN (the ablation).
    case rnn
}

/// The NIC captioning network: CNN, pooled features, image and word embeddings, LSTM, logits.
public struct NICNetwork: Layer {
    /// The CNN trunk, `[N, C, S, S]` -> `[N, channels, h, w]`, named `cnn`.
    public var cnn: Sequential
    /// The pooling of the trunk's map to `grid` x `grid` cells (max).
    public let pool: AdaptiveMaxPool2D
    /// Cells per side of the pooled map.
    public let grid: Int
    /// Pooled features `[N, D]` -> `[N, E]` (first input, every step) or `[N, H]` (initial state), named `image_embedding`.
    public var imageEmbedding: Linear
    /// Word vectors `[V, E]`, named `word_embedding` (row 0, `<pad>`, gets no gradient).
    public var wordEmbedding: Embedding
    /// The LSTM (nil with the plain RNN), named `lstm`.
    public var lstm: LSTM?
    /// The plain RNN (nil with the LSTM), named `rnn`.
    public var rnn: RNN?
    /// Hidden state `[N, H]` -> next-word scores `[N, V]`, named `logits`.
    public var logits: Linear
    /// How the image is fed.
    public let feeding: ImageFeeding
    /// The dropout probability on the recurrent layer's inputs and outputs (training only).
    public var dropout: Float
    /// The network input's side in pixels.
    public let inputSize: Int
    /// The pooled features are multiplied by this before the image embedding (1: unchanged).
    public var featureScale: Float = 1

    /// A network on `cnn` (fed `inputSize`-pixel squares with `inputChannels` channels) for a
    /// vocabulary of `vocabulary` ids, with word embeddings of width `embedding` and `hidden`
    /// recurrent units; the embeddings and recurrent layer initialised from `seed` (im2txt's
    /// uniform ±0.08 for the embeddings and logits, PyTorch's for the recurrent layer).
    public init(cnn: Sequential, inputSize: Int, inputChannels: Int = 3, grid: Int = 7, vocabulary: Int, embedding: Int = 256,
                hidden: Int = 256, cell: CaptionCell = .lstm, feeding: ImageFeeding = .firstInput, dropout: Float = 0.3, seed: UInt64) {
        precondition(vocabulary >= 5 && embedding >= 1 && hidden >= 1 && grid >= 1,
                     "NICNetwork: vocabulary \(vocabulary), embedding \(embedding), hidden \(hidden), grid \(grid)")
        let map = cnn(Tensor(zeros: [1, inputChannels, inputSize, inputSize]))
        precondition(map.rank == 4 && map.shape[2] >= grid && map.shape[3] >= grid,
                     "NICNetwork: the CNN's map \(map.shape) is smaller than the \(grid)x\(grid) grid")
        self.cnn = cnn
        self.grid = grid
        self.inputSize = inputSize
        pool = AdaptiveMaxPool2D(outputSize: grid)
        let features = map.shape[1] * grid * grid
        var random = SeededGenerator(seed: seed).derived(0x6e69_63)
        let uniform = Initializer.uniform(bound: 0.08)
        imageEmbedding = Linear(inFeatures: features, outFeatures: feeding == .initialState ? hidden : embedding,
                                initializer: uniform, random: &random)
        wordEmbedding = Embedding(weight: uniform.make(shape: [vocabulary, embedding], fanIn: 1, fanOut: 1, random: &random), paddingID: 0)
        let input = feeding == .everyStep ? 2 * embedding : embedding  // [word; image] with every-step feeding
        switch cell {
        case .lstm: lstm = LSTM(inputSize: input, hiddenSize: hidden, random: &random)
        case .rnn: rnn = RNN(inputSize: input, hiddenSize: hidden, random: &random)
        }
        logits = Linear(inFeatures: hidden, outFeatures: vocabulary, initializer: uniform, random: &random)
        self.feeding = feeding
        self.dropout = dropout
    }

    /// The recurrent cell in use.
    public var cell: CaptionCell { lstm != nil ? .lstm : .rnn }
    /// V, the vocabulary size.
    public var vocabulary: Int { wordEmbedding.vocabulary }
    /// D, the pooled feature width.
    public var featureSize: Int { imageEmbedding.weight.shape[1] }
    /// E, the word-embedding width.
    public var embeddingSize: Int { wordEmbedding.width }
    /// H, the recurrent layer's width.
    public var hiddenSize: Int { logits.weight.shape[1] }

    // MARK: - Image features

    /// The pooled features of images `[N, C, S, S]`: `[N, D]`.
    public func callAsFunction(_ images: Tensor) -> Tensor { features(ofMaps: cnn(images)) }

    /// The pooled features of trunk maps `[N, channels, h, w]`: `[N, D]`.
    public func features(ofMaps maps: Tensor) -> Tensor {
        let pooled = pool(maps)
        return pooled.reshaped([pooled.shape[0], pooled.count / pooled.shape[0]])
    }

    /// Training forward of the image part (for fine-tuning the CNN): images `[N, C, S, S]` ->
    /// features `[N, D]`, whose pullback reaches the CNN's parameters.
    public mutating func forward(_ images: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (maps, cnnPullback) = cnn.forward(images, context: &context)
        var pool = self.pool
        let (pooled, poolPullback) = pool.forward(maps, context: &context)
        let flat = pooled.reshaped([pooled.shape[0], pooled.count / pooled.shape[0]])
        return (flat, { dy, gradients in
            let dPooled = poolPullback(dy.reshaped(pooled.shape), &gradients)
            return gradients.scoped("cnn") { cnnPullback(dPooled, &$0) }
        })
    }

    /// `features` `[N, D]` times `featureScale` (the same tensor when the scale is 1).
    public func scaledFeatures(_ features: Tensor) -> Tensor { featureScale == 1 ? features : features * featureScale }

    // MARK: - Teacher-forced loss

    /// What one teacher-forced pass over a batch of captions gives.
    public struct SequenceStep {
        /// Mean cross-entropy per predicted token (the words and `</s>`).
        public var loss: Float
        /// Tokens predicted (the loss's denominator).
        public var tokens: Int
        /// Tokens whose most probable id was the right one.
        public var correct: Int
        /// The loss gradient with respect to the features, `[N, D]`.
        public var featureGradient: Tensor
    }

    /// Forward and backward of the caption loss with teacher forcing: `features` `[N, D]` and
    /// one caption per row (ids without `<s>` and `</s>`, each id in `4..<V` or `<unk>`);
    /// dropout draws from `context`; parameter gradients go into `gradients`.
    public mutating func sequenceLossAndGradients(features: Tensor, captions: [[Int]], startID: Int, endID: Int,
                                                  context: inout ForwardContext, gradients: inout Gradients) -> SequenceStep {
        let n = features.shape[0]
        precondition(features.rank == 2 && features.shape[1] == featureSize && captions.count == n,
                     "NICNetwork: features \(features.shape) and \(captions.count) captions; want [N, \(featureSize)]")
        let (e, h, v) = (embeddingSize, hiddenSize, vocabulary)
        let lead = feeding == .firstInput ? 1 : 0  // steps before <s>
        let width = feeding == .everyStep ? 2 * e : e  // the recurrent input: the word, or [word; image]
        let words = (captions.map(\.count).max() ?? 0) + 1  // <s> + the longest caption
        let t = lead + words
        // Word ids fed at the word steps (<s>, w1 .. wL, then padding) and the targets of every step.
        var fed = [Float](repeating: 0, count: n * words)
        var targets = [Int](repeating: -1, count: n * t)
        var lengths = [Int]()
        for (row, caption) in captions.enumerated() {
            fed[row * words] = Float(startID)
            for (k, id) in caption.enumerated() { fed[row * words + k + 1] = Float(id) }
            for (k, id) in (caption + [endID]).enumerated() { targets[row * t + lead + k] = id }
            lengths.append(lead + caption.count + 1)
        }
        var image = imageEmbedding
        let (projected, imagePullback) = image.forward(scaledFeatures(features), context: &context)
        var embedding = wordEmbedding
        let (embedded, embeddingPullback) = embedding.forward(Tensor(shape: [n, words], scalars: fed), context: &context)
        // The recurrent input [N, T, E]: the image at t = 0 with first-input feeding, then the words;
        // with every-step feeding [N, T, 2E]: each word's embedding followed by the image's.
        var input = Tensor(zeros: [n, t, width])
        input.withUnsafeMutableBufferPointer { x in
            projected.withUnsafeBufferPointer { p in
                embedded.withUnsafeBufferPointer { w in
                    for row in 0..<n {
                        if lead == 1 { for j in 0..<e { x[row * t * e + j] = p[row * e + j] } }
                        if feeding == .everyStep {
                            for k in 0..<words {
                                let base = x.baseAddress! + (row * t + k) * width
                                base.update(from: w.baseAddress! + (row * words + k) * e, count: e)
                                (base + e).update(from: p.baseAddress! + row * e, count: e)
                            }
                        } else {
                            (x.baseAddress! + (row * t + lead) * e).update(from: w.baseAddress! + row * words * e, count: words * e)
                        }
                    }
                }
            }
        }
        var inputDropout = Dropout(probability: dropout), outputDropout = Dropout(probability: dropout)
        let identity: Pullback = { dy, _ in dy }
        let (dropped, inputDropoutPullback) = dropout > 0 ? inputDropout.forward(input, context: &context) : (input, identity)
        let initial: RecurrentState? = feeding == .initialState
            ? RecurrentState(hidden: projected, cell: lstm != nil ? Tensor(zeros: [n, h]) : nil) : nil
        let (outputs, _, recurrentPullback) = lstm.map { $0.forward(dropped, lengths: lengths, initialState: initial) }
            ?? rnn!.forward(dropped, lengths: lengths, initialState: initial)
        let (droppedOutputs, outputDropoutPullback) = dropout > 0 ? outputDropout.forward(outputs, context: &context) : (outputs, identity)
        var head = logits
        let (scores, logitsPullback) = head.forward(droppedOutputs.reshaped([n * t, h]), context: &context)
        let (loss, dScores) = SoftmaxCrossEntropy.lossAndGradient(logits: scores, labels: targets, ignoreLabel: -1)
        var correct = 0
        scores.withUnsafeBufferPointer { s in
            for (row, target) in targets.enumerated() where target >= 0 {
                var best = 0
                for j in 1..<v where s[row * v + j] > s[row * v + best] { best = j }
                if best == target { correct += 1 }
            }
        }
        // Backward.
        let dOutputs = gradients.scoped("logits") { logitsPullback(dScores, &$0) }.reshaped([n, t, h])
        let dRecurrentOut = outputDropoutPullback(dOutputs, &gradients)
        let (dDropped, dInitial) = gradients.scoped(lstm != nil ? "lstm" : "rnn") { recurrentPullback(dRecurrentOut, nil, &$0) }
        let dInput = inputDropoutPullback(dDropped, &gradients)
        var dProjected = Tensor(zeros: projected.shape)
        var dEmbedded = Tensor(zeros: embedded.shape)
        dInput.withUnsafeBufferPointer { d in
            dEmbedded.withUnsafeMutableBufferPointer { w in
                dProjected.withUnsafeMutableBufferPointer { p in
                    for row in 0..<n {
                        if lead == 1 { for j in 0..<e { p[row * e + j] = d[row * t * e + j] } }
                        if feeding == .everyStep {
                            // The image was read at every step: its gradient is the sum over the steps.
                            for k in 0..<words {
                                let base = d.baseAddress! + (row * t + k) * width
                                (w.baseAddress! + (row * words + k) * e).update(from: base, count: e)
                                for j in 0..<e { p[row * e + j] += base[e + j] }
                            }
                        } else {
                            (w.baseAddress! + row * words * e).update(from: d.baseAddress! + (row * t + lead) * e, count: words * e)
                        }
                    }
                }
            }
        }
        if feeding == .initialState { dProjected = dInitial.hidden }
        _ = gradients.scoped("word_embedding") { embeddingPullback(dEmbedded, &$0) }
        let dScaled = gradients.scoped("image_embedding") { imagePullback(dProjected, &$0) }
        let dFeatures = featureScale == 1 ? dScaled : dScaled * featureScale
        return SequenceStep(loss: loss, tokens: targets.lazy.filter { $0 >= 0 }.count, correct: correct, featureGradient: dFeatures)
    }

    // MARK: - Layer

    /// `cnn`, `image_embedding`, `word_embedding`, `lstm` or `rnn`, `logits`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        body("cnn", cnn)
        body("image_embedding", imageEmbedding)
        body("word_embedding", wordEmbedding)
        if let lstm { body("lstm", lstm) }
        if let rnn { body("rnn", rnn) }
        body("logits", logits)
    }

    /// The same children, mutably.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        var layer: any Layer = cnn
        body("cnn", &layer); cnn = layer as! Sequential
        layer = imageEmbedding
        body("image_embedding", &layer); imageEmbedding = layer as! Linear
        layer = wordEmbedding
        body("word_embedding", &layer); wordEmbedding = layer as! Embedding
        if let lstm {
            layer = lstm
            body("lstm", &layer); self.lstm = (layer as! LSTM)
        }
        if let rnn {
            layer = rnn
            body("rnn", &layer); self.rnn = (layer as! RNN)
        }
        layer = logits
        body("logits", &layer); logits = layer as! Linear
    }
}
