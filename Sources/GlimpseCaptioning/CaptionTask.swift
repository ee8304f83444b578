// CaptionTask: NIC training as a `TrainingTask`. An example is one (image, reference caption)
// pair, so an epoch visits every caption once (im2txt's and neuraltalk2's convention); a step
// takes a batch of pairs and minimises the mean cross-entropy per predicted token with teacher
// forcing (the loss is masked past each caption's end). Gradients are clipped by their global
// norm (im2txt: 5) before the update.
//
// Phase 1 (the CNN frozen, im2txt's first phase): the pooled CNN features of every training
// image are computed once, before the first step, and a batch is their rows. Phase 2 (the CNN
// fine-tuned): a batch carries the images and the CNN runs forward and backward every step.
//
// Validation after each epoch (phase 1: on features computed once too): the greedy caption of every validation image, scored against
// all its references with GlimpseEvaluation's BLEU-4 and CIDEr-D (pycocoevalcap's formulas).

import GlimpseEvaluation
import GlimpseImaging
import GlimpseNN
import GlimpseTensor
import GlimpseTraining

/// NIC's training on captioned images.
public struct CaptionTask: TrainingTask {
    /// One step's images (or their features) and captions.
    public struct Batch {
        /// Pooled CNN features `[B, D]` (phase 1), else nil.
        public var features: Tensor?
        /// Network inputs `[B, C, S, S]` (phase 2), else nil.
        public var images: Tensor?
        /// One caption per row, as ids without `<s>` and `</s>`.
        public var captions: [[Int]]
    }

    /// The training images.
    public let training: CaptionSet
    /// The images validated on after each epoch (nil: none).
    public let validation: CaptionSet?
    /// The words by id.
    public let vocabulary: CaptionVocabulary
    /// How images become the CNN's input.
    public let preprocessing: ImagePreprocessing
    /// Whether the CNN is trained (phase 2); otherwise its parameters are frozen.
    public let fineTuneCNN: Bool
    /// Gradients are scaled down to this global norm when larger.
    public let clipNorm: Float
    /// The most words a validation caption may have.
    public let maxLength: Int
    /// (image, caption) of every example.
    let pairs: [(image: Int, caption: Int)]
    /// Every training caption's ids (cut to the task's token limit), by image then caption.
    let encoded: [[[Int]]]
    /// Phase 1: the training images' pooled features `[images, D]`.
    let cachedFeatures: Tensor?
    /// Phase 1: the training images' CNN channel means `[images, C]` (for the out-of-domain summary).
    let cachedMeans: Tensor?
    /// Phase 1: the validation images' pooled features `[images, D]`.
    let cachedValidationFeatures: Tensor?

    /// Creates the task; in phase 1 (`fineTuneCNN` false) computes the training images' features
    /// with `network`'s CNN once. `maxTokens` cuts long training captions.
    public init(training: CaptionSet, validation: CaptionSet?, vocabulary: CaptionVocabulary, preprocessing: ImagePreprocessing,
                network: NICNetwork, fineTuneCNN: Bool, maxTokens: Int, clipNorm: Float = 5, maxLength: Int = 20) {
        precondition(!training.examples.isEmpty, "CaptionTask: no training images")
        (self.training, self.validation, self.vocabulary, self.preprocessing) = (training, validation, vocabulary, preprocessing)
        (self.fineTuneCNN, self.clipNorm, self.maxLength) = (fineTuneCNN, clipNorm, maxLength)
        encoded = training.examples.map { $0.captions.map { vocabulary.encode($0, maxTokens: maxTokens) } }
        pairs = encoded.enumerated().flatMap { image, captions in captions.indices.map { (image, $0) } }
        let cached = fineTuneCNN ? nil : network.featuresAndMeans(of: training.examples.map(\.image), preprocessing: preprocessing)
        (cachedFeatures, cachedMeans) = (cached?.features, cached?.means)
        cachedValidationFeatures = fineTuneCNN || validation?.examples.isEmpty != false ? nil
            : network.features(of: validation!.examples.map(\.image), preprocessing: preprocessing)
    }

    /// (image, caption) pairs.
    public var exampleCount: Int { pairs.count }

    /// A seeded permutation of the pairs.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// The pairs at `indices`: their features (phase 1) or images (phase 2) and captions.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let chosen = indices.map { pairs[$0] }
        let captions = chosen.map { encoded[$0.image][$0.caption] }
        if let cachedFeatures {
            let d = cachedFeatures.shape[1]
            let features = Tensor(uninitializedShape: [chosen.count, d]) { out in
                cachedFeatures.withUnsafeBufferPointer { f in
                    for (row, pair) in chosen.enumerated() {
                        (out.baseAddress! + row * d).update(from: f.baseAddress! + pair.image * d, count: d)
                    }
                }
            }
            return Batch(features: features, images: nil, captions: captions)
        }
        let inputs = chosen.map { preprocessing.tensor(for: training.examples[$0.image].image) }
        return Batch(features: nil, images: Tensor.stack(inputs.map { $0.reshaped(Array($0.shape.dropFirst())) }), captions: captions)
    }

    /// Teacher-forced loss and gradients (the CNN's too in phase 2), clipped by global norm;
    /// metrics: token `accuracy` (per example) and the gradient norm before clipping.
    public func lossAndGradients(model: inout NICNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: fineTuneCNN ? [] : ["cnn."])
        var context = ForwardContext(random: random)
        let step: NICNetwork.SequenceStep
        // The LSTM's input gradient feeds the word and image embeddings: `needsInputGradient`
        // may only be turned off for the CNN's first layer, after the decoder's backward.
        if let images = batch.images {
            let (features, cnnPullback) = model.forward(images, context: &context)
            step = model.sequenceLossAndGradients(features: features, captions: batch.captions, startID: vocabulary.startID,
                                                  endID: vocabulary.endID, context: &context, gradients: &gradients)
            gradients.needsInputGradient = false
            _ = cnnPullback(step.featureGradient, &gradients)
        } else {
            step = model.sequenceLossAndGradients(features: batch.features!, captions: batch.captions, startID: vocabulary.startID,
                                                  endID: vocabulary.endID, context: &context, gradients: &gradients)
        }
        random = context.random
        let norm = gradients.clipByGlobalNorm(clipNorm)
        let n = Double(batch.captions.count)
        return TaskStep(loss: step.loss, examples: batch.captions.count,
                        metricSums: ["accuracy": Double(step.correct) / Double(max(step.tokens, 1)) * n, "gradient_norm": Double(norm) * n],
                        gradients: gradients)
    }

    /// The greedy captions of `set`'s images (`features`: theirs, when already computed).
    public func greedyCaptions(_ model: NICNetwork, on set: CaptionSet, features: Tensor? = nil) -> [String] {
        let decoder = NICDecoder(network: model, vocabulary: vocabulary)
        let features = features ?? model.features(of: set.examples.map(\.image), preprocessing: preprocessing)
        return BeamSearch(beamWidth: 1, maxLength: maxLength).decode(decoder, features: features, count: 1)
            .map { vocabulary.text(of: $0.first?.tokens ?? []) }
    }

    /// BLEU-4 and CIDEr-D of the greedy captions on the validation images (empty without them).
    public func validate(_ model: NICNetwork) -> [String: Double] {
        guard let validation, !validation.examples.isEmpty else { return [:] }
        let scores = CaptionEvaluation.evaluate(candidates: greedyCaptions(model, on: validation, features: cachedValidationFeatures),
                                                references: validation.examples.map(\.captions))
        return ["BLEU-4": scores.bleu[3], "CIDEr-D": scores.ciderD]
    }

    /// `epoch:loss:token accuracy:val BLEU-4:val CIDEr-D`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["accuracy"] ?? 0,
                      v["BLEU-4"].map { String(format: "%.4f:%.4f", $0, v["CIDEr-D"] ?? 0) } ?? "n/a")
    }
}
