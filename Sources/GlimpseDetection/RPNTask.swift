// RPNTask: region proposal network training as a `TrainingTask` (Ren et al. 2015, section
// 3.1.2): each step takes a few images (the trainer's batch), labels every anchor of each
// against its objects and samples 256 (AnchorSampler). The loss is binary cross-entropy on the
// sampled anchors' objectness plus smooth L1 (beta 1/9, py-faster-rcnn's sigma 3) on the
// positives' raw box deltas (BoxCoder.raw, as `anchor_target_layer.py`), both divided by the
// number of sampled anchors (torchvision `rpn.py`; the paper's lambda = 10 with N_reg ~ 2400
// locations weighs the two terms about equally, as this does). Validation: recall@0.5,
// recall@0.7 and average recall of the test-time proposals (RPNProposalSettings) at a cap.

import GlimpseEvaluation
import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// A region proposal network's training on images with boxes.
public struct RPNTask: TrainingTask {
    /// One step's images and anchor targets.
    public struct Batch {
        /// The images, `[N, C, S, S]`.
        public var images: Tensor
        /// Objectness targets (1 positive, 0 negative) and weights (1 sampled, 0 not), each `[N, A, h, w]`.
        public var labels: Tensor, labelWeights: Tensor
        /// Raw box-delta targets and weights (1 on a sampled positive's four channels), each `[N, 4A, h, w]`.
        public var targets: Tensor, targetWeights: Tensor
        /// Sampled anchors in the batch (the loss's divisor).
        public var sampled: Int
        /// Of which positive.
        public var positives: Int
    }

    /// The training images (their proposals are not used).
    public let training: DetectionSet
    /// The images recall is measured on after each epoch (nil: none).
    public let validation: DetectionSet?
    /// The anchors.
    public let grid: AnchorGrid
    /// The anchor labelling and sampling.
    public let sampler: AnchorSampler
    /// How images become network input.
    public let preprocessing: ImagePreprocessing
    /// The feature map's side on the input.
    public let featureSize: Int
    /// Smooth L1's beta.
    public let boxBeta: Float
    /// The box loss's weight (1: the objectness and box terms as torchvision weighs them).
    public let boxWeight: Float
    /// Parameter-name prefixes that are not trained.
    public let frozenPrefixes: [String]
    /// The test-time selection validation measures (its `maxProposals` is the recall's cap).
    public let settings: RPNProposalSettings
    /// The anchors of the feature map in input pixels.
    let anchors: [BoundingBox]

    /// Creates the task for a network whose trunk gives a `featureSize` square map on `preprocessing`'s input.
    public init(training: DetectionSet, validation: DetectionSet?, grid: AnchorGrid, sampler: AnchorSampler = AnchorSampler(),
                preprocessing: ImagePreprocessing, featureSize: Int, boxBeta: Float = 1.0 / 9, boxWeight: Float = 1,
                frozenPrefixes: [String] = [], settings: RPNProposalSettings = RPNProposalSettings()) {
        precondition(boxWeight > 0 && boxWeight.isFinite, "RPNTask: box weight \(boxWeight)")
        self.boxWeight = boxWeight
        (self.training, self.validation, self.grid, self.sampler) = (training, validation, grid, sampler)
        (self.preprocessing, self.featureSize, self.boxBeta, self.frozenPrefixes, self.settings) =
            (preprocessing, featureSize, boxBeta, frozenPrefixes, settings)
        anchors = grid.anchors(featureHeight: featureSize, featureWidth: featureSize, inputSize: preprocessing.inputSize)
    }

    /// Training images.
    public var exampleCount: Int { training.examples.count }

    /// A seeded permutation of the images.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// An image's objects in network-input pixels.
    func inputBoxes(_ example: DetectionExample) -> [BoundingBox] {
        let size = Float(preprocessing.inputSize)
        let (sx, sy) = (size / Float(example.image.width), size / Float(example.image.height))
        return example.boxes.map { BoundingBox(x0: $0.x0 * sx, y0: $0.y0 * sy, x1: $0.x1 * sx, y1: $0.y1 * sy, label: $0.label) }
    }

    /// The images at `indices` and `sampler.batchSize` anchors sampled from each.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let (size, a, plane) = (preprocessing.inputSize, grid.perPosition, featureSize * featureSize)
        let n = indices.count
        var pixels = [Float]()
        pixels.reserveCapacity(n * preprocessing.channels * size * size)
        var labels = [Float](repeating: 0, count: n * a * plane), labelWeights = labels
        var targets = [Float](repeating: 0, count: n * 4 * a * plane), targetWeights = targets
        var (sampled, positives) = (0, 0)
        for (b, index) in indices.enumerated() {
            let example = training.examples[index]
            pixels += preprocessing.tensor(for: example.image).scalars
            let truth = inputBoxes(example)
            let anchorLabels = sampler.label(anchors: anchors, groundTruth: truth)
            let (chosenPositives, chosenNegatives) = sampler.sample(anchorLabels, random: &random)
            // Anchor k = cell * A + anchor is channel `anchor` at `cell` of its image.
            for k in chosenNegatives {
                labelWeights[(b * a + k % a) * plane + k / a] = 1
            }
            for k in chosenPositives {
                let (cell, anchor) = (k / a, k % a)
                labels[(b * a + anchor) * plane + cell] = 1
                labelWeights[(b * a + anchor) * plane + cell] = 1
                let t = BoxCoder.raw.encode(truth[anchorLabels[k].groundTruthIndex!], relativeTo: anchors[k]).values
                for c in 0..<4 {
                    targets[((b * a + anchor) * 4 + c) * plane + cell] = t[c]
                    targetWeights[((b * a + anchor) * 4 + c) * plane + cell] = 1
                }
            }
            sampled += chosenPositives.count + chosenNegatives.count
            positives += chosenPositives.count
        }
        return Batch(images: Tensor(shape: [n, preprocessing.channels, size, size], scalars: pixels),
                     labels: Tensor(shape: [n, a, featureSize, featureSize], scalars: labels),
                     labelWeights: Tensor(shape: [n, a, featureSize, featureSize], scalars: labelWeights),
                     targets: Tensor(shape: [n, 4 * a, featureSize, featureSize], scalars: targets),
                     targetWeights: Tensor(shape: [n, 4 * a, featureSize, featureSize], scalars: targetWeights),
                     sampled: sampled, positives: positives)
    }

    /// The objectness and box losses of `batch`'s outputs and their gradients (both divided by the
    /// sampled count, the box term times `boxWeight`).
    public func loss(logits: Tensor, deltas: Tensor, batch: Batch) -> (objectness: Float, box: Float, dLogits: Tensor, dDeltas: Tensor) {
        let normalizer = Float(max(1, batch.sampled))
        let (objectness, dLogits) = SigmoidCrossEntropy.lossAndGradient(logits: logits, targets: batch.labels, weights: batch.labelWeights,
                                                                        normalizer: normalizer)
        let (box, dDeltas) = SmoothL1Loss.lossAndGradient(predictions: deltas, targets: batch.targets, weights: batch.targetWeights,
                                                          beta: boxBeta, normalizer: normalizer)
        guard boxWeight != 1 else { return (objectness, box, dLogits, dDeltas) }
        return (objectness, box * boxWeight, dLogits, dDeltas * boxWeight)
    }

    /// The loss and its gradients; metrics (per image): `cls` and `box` losses, sampled `positives`.
    public func lossAndGradients(model: inout RPNNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        var context = ForwardContext(random: random)
        let (logits, deltas, pullback) = model.forward(images: batch.images, context: &context)
        random = context.random
        let (objectness, box, dLogits, dDeltas) = loss(logits: logits, deltas: deltas, batch: batch)
        pullback(dLogits, dDeltas, &gradients)
        let images = Double(batch.images.shape[0])
        return TaskStep(loss: objectness + box, examples: batch.images.shape[0],
                        metricSums: ["cls": Double(objectness) * images, "box": Double(box) * images, "positives": Double(batch.positives)],
                        gradients: gradients)
    }

    /// Recall@0.5, recall@0.7 and AR at `settings.maxProposals` on the validation images (empty without them).
    public func validate(_ model: RPNNetwork) -> [String: Double] {
        guard let validation else { return [:] }
        let proposals = DetectionValidation.parallelMap(validation.examples) { example -> [BoundingBox] in
            let (logits, deltas) = model.heads(features: model(preprocessing.tensor(for: example.image)))
            return settings.proposals(logits: logits, deltas: deltas, anchors: anchors, inputSize: preprocessing.inputSize,
                                      imageWidth: example.image.width, imageHeight: example.image.height)
        }
        let scores = ProposalMetrics.evaluate(groundTruth: validation.examples.map(\.boxes), proposals: proposals,
                                              caps: [settings.maxProposals])[0]
        return ["recall50": scores.recall50, "recall70": scores.recall70, "AR": scores.averageRecall, "proposals": scores.meanProposals]
    }

    /// `epoch:loss:cls:box:recall50:recall70:AR`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.5f:%.5f:%@", summary.epoch, summary.loss, summary.metrics["cls"] ?? 0, summary.metrics["box"] ?? 0,
                      v["AR"].map { String(format: "%.4f:%.4f:%.4f", v["recall50"]!, v["recall70"]!, $0) } ?? "n/a")
    }
}
