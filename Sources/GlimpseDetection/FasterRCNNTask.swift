// FasterRCNNTask: Faster R-CNN's approximate joint training as a `TrainingTask` (Ren et al.
// 2015, section 3.2, "approximate joint training", the `end2end` recipe of the paper's released
// py-faster-rcnn). Each step takes a few images (the trainer's batch); one trunk pass per image
// feeds both heads:
//   - the RPN's loss on 256 sampled anchors per image (RPNTask: labelling, sampling, binary
//     cross-entropy plus smooth L1, both over the sampled count);
//   - the current RPN's proposals (decode, clip, NMS 0.7, top `trainingSettings.maxProposals`)
//     plus the ground truth are sampled into RoIs (FastRCNNTask: a quarter foreground at
//     IoU >= 0.5) and scored by the Fast R-CNN head (cross-entropy plus smooth L1 over the RoIs).
// The proposals are constants: no gradient flows through their coordinates (the "approximate"
// of approximate joint training), so the trunk gets the sum of the two heads' gradients. The
// loss is the sum of the four terms. Validation: AP, AP50 and AP75 of the whole detector (the
// RPN's test-time proposals, then the head) on the validation images.

import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// Faster R-CNN's approximate joint training on images with boxes.
public struct FasterRCNNTask: TrainingTask {
    /// One step's images, anchor targets and the images' indices (their RoIs come from the
    /// network's own proposals, computed in the step).
    public struct Batch {
        /// The images and the RPN's anchor targets.
        public var anchors: RPNTask.Batch
        /// The training images of the batch, in order.
        public var indices: [Int]
    }

    /// The RPN half: training images, anchors, anchor sampling, the RPN loss.
    public private(set) var proposerTask: RPNTask
    /// The detection half: RoI sampling from proposals, targets, the class slots, the multi-task loss.
    public let detectorTask: FastRCNNTask
    /// How the current RPN's proposals are selected in a training step.
    public let trainingSettings: RPNProposalSettings
    /// How the RPN's proposals are selected in validation (and in the shipped pipeline).
    public let testSettings: RPNProposalSettings
    /// Parameter-name prefixes that are not trained.
    public let frozenPrefixes: [String]

    /// Creates the task from its two halves (the same training images, the same preprocessing and frozen prefixes).
    public init(proposerTask: RPNTask, detectorTask: FastRCNNTask, trainingSettings: RPNProposalSettings,
                testSettings: RPNProposalSettings) {
        precondition(proposerTask.training.examples.count == detectorTask.training.examples.count
                     && proposerTask.preprocessing == detectorTask.preprocessing && proposerTask.frozenPrefixes == detectorTask.frozenPrefixes,
                     "FasterRCNNTask: the two halves train on other images, input or frozen layers")
        (self.proposerTask, self.detectorTask, self.trainingSettings, self.testSettings) = (proposerTask, detectorTask, trainingSettings, testSettings)
        frozenPrefixes = proposerTask.frozenPrefixes
    }

    /// Training images.
    public var exampleCount: Int { proposerTask.exampleCount }
    /// The validation images (nil: none).
    public var validation: DetectionSet? { detectorTask.validation }

    /// A seeded permutation of the images.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// The images at `indices` with the RPN's sampled anchor targets.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        Batch(anchors: proposerTask.makeBatch(indices, random: &random), indices: Array(indices))
    }

    /// Image `b`'s slice `[1, C, h, w]` of a batch tensor `[N, C, h, w]`.
    static func image(_ b: Int, of tensor: Tensor) -> Tensor {
        let size = tensor.count / tensor.shape[0]
        return Tensor(shape: [1] + tensor.shape.dropFirst(), scalars: Array(tensor.scalars[(b * size)..<((b + 1) * size)]))
    }

    /// The four losses and their gradients; metrics (per image): `rpn_cls`, `rpn_box`, `cls`,
    /// `box`, RoI `accuracy` and the RPN's `proposals` per image.
    public func lossAndGradients(model: inout FasterRCNNNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        var context = ForwardContext(random: random.derived(0x6661_7374))
        var regions = FastRCNNTask.Regions()
        var proposalCount = 0
        let training = proposerTask.training
        let (anchors, inputSize) = (proposerTask.anchors, proposerTask.preprocessing.inputSize)
        let (logits, anchorDeltas, scores, deltas, pullback) = model.forward(images: batch.anchors.images, context: &context) { logits, deltas in
            for (b, index) in batch.indices.enumerated() {
                let example = training.examples[index]
                let proposals = trainingSettings.proposals(logits: Self.image(b, of: logits), deltas: Self.image(b, of: deltas), anchors: anchors,
                                                           inputSize: inputSize, imageWidth: example.image.width, imageHeight: example.image.height)
                proposalCount += proposals.count
                detectorTask.sampleRegions(of: example, proposals: proposals, batchIndex: b, into: &regions, random: &random)
            }
            return Tensor(shape: [regions.labels.count, 5], scalars: regions.rois)
        }
        let (rpnCls, rpnBox, dLogits, dAnchorDeltas) = proposerTask.loss(logits: logits, deltas: anchorDeltas, batch: batch.anchors)
        let r = regions.labels.count
        let slots = detectorTask.slots
        let (cls, box, dScores, dDeltas) = FastRCNNTask.loss(scores: scores, deltas: deltas, labels: regions.labels,
                                                             targets: Tensor(shape: [r, 4 * slots], scalars: regions.targets),
                                                             weights: Tensor(shape: [r, 4 * slots], scalars: regions.weights))
        pullback(dLogits, dAnchorDeltas, dScores, dDeltas, &gradients)
        let images = Double(batch.indices.count)
        let correct = zip(scores.argmaxRows(), regions.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return TaskStep(loss: rpnCls + rpnBox + cls + box, examples: batch.indices.count,
                        metricSums: ["rpn_cls": Double(rpnCls) * images, "rpn_box": Double(rpnBox) * images,
                                     "cls": Double(cls) * images, "box": Double(box) * images,
                                     "accuracy": Double(correct) / Double(max(1, r)) * images, "proposals": Double(proposalCount)],
                        gradients: gradients)
    }

    /// The whole detector around a network being trained (no weights file; identity "in training").
    public func detector(_ model: FasterRCNNNetwork) -> FasterRCNNDetector {
        let training = detectorTask.training
        let description = DetectorDescription(method: FasterRCNNDetector.conformanceName, categories: training.categories,
                                              categoryIDs: training.categoryIDs, preprocessing: detectorTask.preprocessing, proposals: "",
                                              boxStds: detectorTask.boxCoder.stds)
        let identity = BackboneIdentity(architecture: "faster-rcnn-deepconvnet", weightsDigest: "training", weightsFile: "(training)")
        guard let detector = try? FasterRCNNDetector(network: model, description: description, anchorGrid: proposerTask.grid,
                                                     settings: testSettings, identity: identity) else {
            preconditionFailure("FasterRCNNTask: the anchors do not fit the network being trained")
        }
        return detector
    }

    /// AP, AP50 and AP75 of the whole detector on the validation images (empty without them).
    public func validate(_ model: FasterRCNNNetwork) -> [String: Double] {
        guard let validation else { return [:] }
        let detector = detector(model)
        return DetectionValidation.evaluate(validation) { detector.detect(in: $0.image) }
    }

    /// `epoch:loss:rpn_cls:rpn_box:cls:box:roi accuracy:AP:AP50:AP75`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.5f:%.5f:%.5f:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["rpn_cls"] ?? 0,
                      summary.metrics["rpn_box"] ?? 0, summary.metrics["cls"] ?? 0, summary.metrics["box"] ?? 0,
                      summary.metrics["accuracy"] ?? 0,
                      v["AP"].map { String(format: "%.4f:%.4f:%.4f", $0, v["AP50"]!, v["AP75"]!) } ?? "n/a")
    }
}
