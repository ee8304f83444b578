// RPNTrainingConfig: the settings of a region proposal network's training run, stored in every
// checkpoint (a resume with other settings is refused) and in the weights file's metadata (the
// recipe the figures came from).

import Foundation
import GlimpseOptim
import GlimpseTraining

/// The settings of `glimpse train proposer`.
public struct RPNTrainingConfig: Sendable, Equatable {
    /// Pretrained DeepConvNet or Fast R-CNN weights the trunk starts from; nil trains from scratch.
    public var pretrained: String? = "datasets/weights/fast-rcnn-scenes.safetensors"
    /// The network input's side; images are resized to it.
    public var inputSize = 192
    /// The trunk layer the head reads (one of `trunk.featureLayers`).
    public var featureLayer = "relu6"
    /// The trunk: DeepConvNet's (Fast R-CNN's) or the RPN's own tiny one (trained from scratch).
    public var trunk = RPNTrunk.deepconvnet
    /// Channels of the 3x3 convolution.
    public var hidden = 64
    /// The anchors.
    public var anchors = AnchorGrid.scenes
    /// Anchors per image in a batch.
    public var anchorsPerImage = 256
    /// Share of positives a batch may hold.
    public var positiveFraction = 0.5
    /// Positive IoU (and the best anchor of each object).
    public var positiveThreshold = 0.7
    /// Negative IoU (below it to every object).
    public var negativeThreshold = 0.3
    /// Smooth L1's beta for the box deltas (py-faster-rcnn's sigma 3: 1/9).
    public var boxBeta: Float = 1.0 / 9
    /// The box loss's weight against the objectness loss (1: torchvision's and py-faster-rcnn's balance).
    public var boxWeight: Float = 1
    /// Passes over the training images.
    public var epochs = 6
    /// Images per step.
    public var imagesPerBatch = 2
    /// The update rule.
    public var optimizer = OptimizerChoice(.adam)
    /// Base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` or `step` (x0.1 at 50% and 75%).
    public var schedule = "step"
    /// Epochs of linear warm-up.
    public var warmupEpochs = 0
    /// Seeds initialisation, order and sampling.
    public var seed: UInt64 = 1
    /// Parameter-name prefixes not trained (`conv` freezes the whole trunk).
    public var freeze: [String] = []
    /// Subtract the training images' mean colour from the input (a Fast R-CNN start keeps its own).
    public var subtractMean = true
    /// Proposals per image the validation recall is measured at.
    public var validationProposals = 300

    /// Creates the defaults.
    public init() {}

    /// The settings as checkpoint and weights metadata (`train.*`; the trunk and the box weight
    /// only when they are not the defaults, so earlier checkpoints still resume).
    public var metadata: [String: String] {
        var out: [String: String] = [:]
        if case .tiny(let widths) = trunk {
            out["train.trunk"] = trunk.name
            out["train.trunk_widths"] = widths.map(String.init).joined(separator: ",")
        }
        if boxWeight != 1 { out["train.box_weight"] = String(boxWeight) }
        let base: [String: String] = [
            "train.method": RPNDescription.method,
            "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.input_size": String(inputSize), "train.feature_layer": featureLayer, "train.hidden": String(hidden),
            "train.anchor_sizes": anchors.sizes.map { String($0) }.joined(separator: ","),
            "train.anchor_ratios": anchors.ratios.map { String($0) }.joined(separator: ","),
            "train.anchors_per_image": String(anchorsPerImage), "train.positive_fraction": String(positiveFraction),
            "train.positive_iou": String(positiveThreshold), "train.negative_iou": String(negativeThreshold),
            "train.box_beta": String(boxBeta), "train.epochs": String(epochs), "train.images_per_batch": String(imagesPerBatch),
            "train.learning_rate": String(learningRate), "train.schedule": schedule, "train.warmup_epochs": String(warmupEpochs),
            "train.seed": String(seed), "train.freeze": freeze.joined(separator: ","), "train.subtract_mean": String(subtractMean),
            "train.validation_proposals": String(validationProposals),
        ]
        return out.merging(base.merging(optimizer.metadata) { own, _ in own }) { own, _ in own }
    }

    /// Throws `TrainingError.badOption` naming the first setting that cannot be used.
    public func validate() throws {
        guard inputSize >= 32, hidden >= 1, epochs >= 1, imagesPerBatch >= 1, anchorsPerImage >= 1, validationProposals >= 1 else {
            throw TrainingError.badOption("input size >= 32, and hidden, epochs, images per batch, anchors per image and validation proposals >= 1")
        }
        guard (0...1).contains(positiveFraction), 0 <= negativeThreshold, negativeThreshold <= positiveThreshold, positiveThreshold <= 1 else {
            throw TrainingError.badOption("positive fraction in [0, 1] and 0 <= negative IoU <= positive IoU <= 1")
        }
        guard boxBeta > 0, boxWeight > 0, boxWeight.isFinite else { throw TrainingError.badOption("box beta and box weight must be positive") }
        guard trunk.featureLayers.contains(featureLayer) else {
            throw TrainingError.badOption("feature layer \(featureLayer): one of \(trunk.featureLayers.joined(separator: ", ")) for the \(trunk.name) trunk")
        }
        if case .tiny(let widths) = trunk {
            guard widths.count == 3, widths.allSatisfy({ (1...1024).contains($0) }) else {
                throw TrainingError.badOption("tiny trunk widths \(widths): three channel counts in 1...1024")
            }
            guard pretrained == nil else {
                throw TrainingError.badOption("the tiny trunk trains from scratch: no pretrained weights (\(pretrained!))")
            }
        }
        guard learningRate > 0, warmupEpochs >= 0, warmupEpochs < epochs else {
            throw TrainingError.badOption("learning rate > 0 and warm-up epochs in 0..<epochs")
        }
        try optimizer.validate()
    }

    /// The learning-rate schedule over `stepsPerEpoch * epochs` steps.
    public func makeSchedule(stepsPerEpoch: Int) throws -> any LearningRateSchedule {
        var classifier = TrainingConfig()
        (classifier.epochs, classifier.learningRate, classifier.schedule, classifier.warmupEpochs) = (epochs, learningRate, schedule, warmupEpochs)
        return try classifier.makeSchedule(stepsPerEpoch: stepsPerEpoch)
    }
}
