// RCNNTask: R-CNN's fine-tuning on warped regions as a `TrainingTask` (Girshick et al. 2014,
// section 2.3; the window data layer of pascal_finetune_train.prototxt).
//
// Every proposal of every training image, plus the ground-truth boxes, is labelled once
// (ProposalSampler.rcnn's `partition`): IoU >= 0.5 with a ground-truth box -> that box's class,
// IoU < 0.5 -> background. The windows are pooled over all images, and each mini-batch draws 32
// foreground and 96 background windows (the paper's fixed 1 : 3 share of 128) uniformly from
// the two pools, without repetition inside a batch, with the training generator: the batches
// are a function of the seed and the generator's state, so a checkpoint resumes them exactly.
// Each window is warped with context (RCNNNetwork.warp) when its batch is made.
//
// An "epoch" is `batchesPerEpoch` mini-batches (by default enough for 32-per-batch draws to
// cover the foreground pool once: ceil(foreground windows / 32)). For the generic `Trainer`,
// one "example" is one window: the trainer's batch size is `windowsPerBatch` and an example's
// index is its position in its mini-batch (the epoch order is 0, 1, ..., 127 repeated); the
// generator, not the index, chooses the windows. `makeBatch` always draws a whole mini-batch's
// windows and warps those at the positions it is given, and `lossAndGradients` skips the
// dropout draws of the positions before and after its own, so a data-parallel rank that gets
// positions [lo, hi) draws exactly what one process draws for the whole batch
// (`drawsForWholeBatch`): two ranks take the step of one process.
// The paper also mirrors windows; digits are not mirror-symmetric, so we do not.

import GlimpseImaging
import GlimpseNN
import GlimpseTensor
import GlimpseTraining

/// R-CNN's fine-tuning on pooled, warped windows.
public struct RCNNTask: TrainingTask {
    /// Positions `first ..< first + W` of a mini-batch of `windowsPerBatch`: warped windows and their class slots.
    public struct Batch {
        /// `[W, 3, 28, 28]`.
        public var windows: Tensor
        /// Each window's slot (0: background).
        public var labels: [Int]
        /// The position of the first window in its mini-batch.
        public var first: Int
    }

    /// A training window: an image, a box in it and its class slot.
    public struct Window: Sendable, Equatable {
        /// Index into the training examples.
        public var image: Int
        /// The region (a proposal or a ground-truth box).
        public var box: BoundingBox
        /// 0 for background, else 1 + the category's index.
        public var slot: Int
    }

    /// The training images with proposals.
    public let training: DetectionSet
    /// The images softmax AP is measured on after each epoch (nil: none).
    public let validation: DetectionSet?
    /// How a warped window becomes network input (28 px, RGB / 255).
    public let preprocessing: ImagePreprocessing
    /// Foreground windows of every image.
    public let foreground: [Window]
    /// Background windows of every image.
    public let background: [Window]
    /// Windows per mini-batch (128).
    public let windowsPerBatch: Int
    /// Foreground windows per mini-batch (32).
    public let foregroundPerBatch: Int
    /// Mini-batches per epoch.
    public let batchesPerEpoch: Int
    /// Proposals used per image (the proposer's best), in training and validation.
    public let maxProposals: Int
    /// Parameter-name prefixes that are not trained.
    public let frozenPrefixes: [String]

    /// Labels and pools the windows of `training`'s first `maxProposals` proposals per image plus
    /// its ground truth; `batchesPerEpoch` nil covers the foreground pool once per epoch.
    public init(training: DetectionSet, validation: DetectionSet?, preprocessing: ImagePreprocessing, windowsPerBatch: Int = 128,
                foregroundFraction: Double = 0.25, batchesPerEpoch: Int? = nil, maxProposals: Int = 2000, frozenPrefixes: [String] = []) {
        precondition(validation == nil || validation!.categoryIDs == training.categoryIDs, "RCNNTask: validation has other categories")
        precondition(windowsPerBatch >= 1 && (batchesPerEpoch ?? 1) >= 1 && maxProposals >= 1, "RCNNTask: batch settings")
        precondition(preprocessing.inputSize == RCNNNetwork.inputSize, "RCNNTask: preprocessing input \(preprocessing.inputSize)")
        let sampler = ProposalSampler(batchSize: windowsPerBatch, foregroundFraction: foregroundFraction, backgroundLow: 0, appendGroundTruth: true)
        var slotOfClass = [Int: Int]()
        for (k, id) in training.categoryIDs.enumerated() { slotOfClass[id] = k + 1 }
        var foreground = [Window](), background = [Window]()
        for (i, example) in training.examples.enumerated() {
            let boxes = example.proposals.prefix(maxProposals).map { $0.clipped(width: example.image.width, height: example.image.height) }
                .filter { $0.width >= 1 && $0.height >= 1 }
            let (candidates, matches, fg, bg) = sampler.partition(proposals: boxes, groundTruth: example.boxes)
            for c in fg { foreground.append(Window(image: i, box: candidates[c], slot: slotOfClass[example.boxes[matches[c].groundTruthIndex!].label]!)) }
            for c in bg { background.append(Window(image: i, box: candidates[c], slot: 0)) }
        }
        precondition(!foreground.isEmpty, "RCNNTask: no foreground windows (no objects in the training images)")
        (self.training, self.validation, self.preprocessing) = (training, validation, preprocessing)
        (self.foreground, self.background, self.windowsPerBatch) = (foreground, background, windowsPerBatch)
        foregroundPerBatch = sampler.foregroundPerBatch
        self.batchesPerEpoch = batchesPerEpoch ?? max(1, (foreground.count + sampler.foregroundPerBatch - 1) / max(1, sampler.foregroundPerBatch))
        (self.maxProposals, self.frozenPrefixes) = (maxProposals, frozenPrefixes)
    }

    /// Windows per epoch (one "example" is one window of a mini-batch).
    public var exampleCount: Int { batchesPerEpoch * windowsPerBatch }

    /// True: every share of a mini-batch draws the whole mini-batch's windows and dropout masks.
    public var drawsForWholeBatch: Bool { true }

    /// Class slots (background included).
    public var slots: Int { training.categories.count + 1 }

    /// The positions 0 ..< `windowsPerBatch`, once per mini-batch (the windows come from the generator).
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        (0..<exampleCount).map { $0 % windowsPerBatch }
    }

    /// `count` distinct indices below `bound` (all of them when `count >= bound`), drawn from `random`.
    static func draw(_ count: Int, below bound: Int, random: inout SeededGenerator) -> [Int] {
        if count >= bound { return Array(0..<bound) }
        var chosen = [Int](), seen = Set<Int>()
        while chosen.count < count {
            let index = random.nextIndex(below: bound)
            if seen.insert(index).inserted { chosen.append(index) }
        }
        return chosen
    }

    /// Draws one mini-batch (`foregroundPerBatch` foreground windows and the rest background) and
    /// warps the windows at `indices`, consecutive positions in it.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let first = indices.first ?? 0
        precondition(indices.elementsEqual(first..<(first + indices.count)) && first + indices.count <= windowsPerBatch,
                     "RCNNTask: positions \(Array(indices)) are not consecutive positions of one mini-batch of \(windowsPerBatch)")
        let fg = Self.draw(foregroundPerBatch, below: foreground.count, random: &random).map { foreground[$0] }
        let bg = Self.draw(windowsPerBatch - fg.count, below: background.count, random: &random).map { background[$0] }
        let all = fg + bg
        precondition(all.count == windowsPerBatch, "RCNNTask: \(all.count) windows drawn for a batch of \(windowsPerBatch)")
        let windows = Array(all[first..<(first + indices.count)])
        let s = RCNNNetwork.inputSize, plane = preprocessing.channels * s * s
        let examples = training.examples, preprocessing = self.preprocessing
        let pixels = Tensor(uninitializedShape: [windows.count, preprocessing.channels, s, s]) { out in
            let base = out
            Compute.parallelChunks(windows.count) { _, range in
                for w in range {
                    let window = windows[w]
                    RCNNNetwork.warp.tensor(examples[window.image].image, box: window.box, preprocessing: preprocessing)
                        .withUnsafeBufferPointer { values in for k in 0..<plane { base[w * plane + k] = values[k] } }
                }
            }
        }
        return Batch(windows: pixels, labels: windows.map(\.slot), first: first)
    }

    /// Softmax cross-entropy over the windows and its gradients; metrics: window `accuracy` (a sum
    /// over the windows). The network's one dropout layer (after fc1, `hidden` draws per window)
    /// draws row by row, so the draws of the positions before and after the batch's are skipped.
    public func lossAndGradients(model: inout RCNNNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        let count = batch.labels.count, perWindow = model.hidden
        for _ in 0..<(batch.first * perWindow) { _ = random.next() }
        var context = ForwardContext(random: random)
        let (logits, pullback) = model.forward(batch.windows, context: &context)
        random = context.random
        for _ in 0..<((windowsPerBatch - batch.first - count) * perWindow) { _ = random.next() }
        let (loss, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: batch.labels)
        gradients.needsInputGradient = false
        _ = pullback(dLogits, &gradients)
        let correct = zip(logits.argmaxRows(), batch.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return TaskStep(loss: loss, examples: count, metricSums: ["accuracy": Double(correct)], gradients: gradients)
    }

    /// AP, AP50 and AP75 of the fine-tuned softmax (no SVMs or regressors yet) on the validation images.
    public func validate(_ model: RCNNNetwork) -> [String: Double] {
        guard let validation else { return [:] }
        let detector = RCNNDetector.forValidation(model, svms: nil, regressors: nil, training: training, preprocessing: preprocessing,
                                                  maxProposals: maxProposals, scoring: .softmax, boxRegression: false)
        return DetectionValidation.evaluate(validation) { detector.detect($0.image, proposals: $0.proposals) }
    }

    /// `epoch:loss:window accuracy:AP:AP50:AP75` (softmax AP).
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["accuracy"] ?? 0,
                      v["AP"].map { String(format: "%.4f:%.4f:%.4f", $0, v["AP50"]!, v["AP75"]!) } ?? "n/a")
    }
}

extension RCNNDetector {
    /// A detector around a network (and SVMs/regressors) being trained, with no score threshold
    /// (AP evaluation keeps every box up to the cap of 100).
    static func forValidation(_ network: RCNNNetwork, svms: SVMs?, regressors: BoxRegressors?, training: DetectionSet,
                              preprocessing: ImagePreprocessing, maxProposals: Int, scoring: Scoring, boxRegression: Bool,
                              extra: [String: String] = [:]) -> RCNNDetector {
        RCNNDetector(network: network, svms: svms, regressors: regressors,
                     description: DetectorDescription(method: conformanceName, categories: training.categories, categoryIDs: training.categoryIDs,
                                                      preprocessing: preprocessing, proposals: "", boxStds: BoxCoder.raw.stds, extra: extra),
                     postprocessing: DetectionPostprocessing(scoreThreshold: -.infinity),
                     maxProposals: maxProposals, scoring: scoring, boxRegression: boxRegression)
    }
}
