// DetectorTrainingConfig: the settings of a detector training run (both methods), stored in
// every checkpoint (a resume with other settings is refused) and in the weights file's
// metadata (the recipe the figures came from).

import Foundation
import GlimpseOptim
import GlimpseTraining

/// The settings of `glimpse train detector`.
public struct DetectorTrainingConfig: Sendable, Equatable {
    /// `fast-rcnn`, `rcnn` or `faster-rcnn`.
    public var method = "fast-rcnn"
    /// Pretrained DeepConvNet weights the trunk (and fc1) start from; nil trains from scratch.
    public var pretrained: String? = "datasets/weights/deepconvnet-mnist.safetensors"
    /// Fast R-CNN: the network input's side; images are resized to it (192 for the shipped
    /// weights; R-CNN warps regions to its own 28 px).
    public var inputSize = 192
    /// Units in fc1 (50 = DeepConvNet's, loaded from the pretrained weights; other widths start fresh;
    /// 256 gave the shipped weights, 0.821 val AP50 against 0.814 for 50).
    public var hidden = 256
    /// Dropout probability after fc1 in training.
    public var dropout: Float = 0
    /// Passes over the training images.
    public var epochs = 10
    /// Images per step (Fast R-CNN: the paper's 2).
    public var imagesPerBatch = 2
    /// RoIs sampled per image.
    public var roisPerImage = 64
    /// Share of foreground RoIs.
    public var foregroundFraction = 0.25
    /// Background RoIs have IoU in [backgroundLow, 0.5).
    public var backgroundLow = 0.0
    /// Proposals kept per image (the proposer's best).
    public var maxProposals = 2000
    /// The update rule (Adam, the command's default and the shipped weights' recipe; the paper's
    /// momentum SGD was not compared on these scenes).
    public var optimizer = OptimizerChoice(.adam)
    /// Base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` or `step` (x0.1 at 50% and 75%).
    public var schedule = "step"
    /// Epochs of linear warm-up.
    public var warmupEpochs = 1
    /// Seeds initialisation, order, sampling and dropout.
    public var seed: UInt64 = 1
    /// Parameter-name prefixes not trained (`conv` freezes the whole trunk).
    public var freeze: [String] = []
    /// Start the class scores of categories the pretrained classifier knows by name from its
    /// rows (`FastRCNNNetwork.loadPretrained(_:source:classRows:)`); only when `hidden` is the
    /// pretrained fc1's width (50), since the rows read fc1's units.
    public var transferClassifier = true
    /// Subtract the training images' mean colour from the input.
    public var subtractMean = true
    /// Fast R-CNN: the trunk layer RoIs are pooled from (`FastRCNNNetwork.featureLayers`; relu6,
    /// stride 4, gave the shipped weights: val AP 0.541 against pool3's 0.440 at 128 px).
    public var featureLayer = "relu6"
    /// The proposer's description (recorded, not interpreted).
    public var proposals = "selective-search mode=fast max=2000"
    /// Faster R-CNN: an `rpn` weights file its RPN head and anchors start from (nil: a fresh head
    /// with `AnchorGrid.scenes`).
    public var proposerWeights: String? = nil
    /// Faster R-CNN: the RPN's proposals per image in training, after its NMS (torchvision's
    /// 2000 after a pre-NMS top 2000); RoIs are sampled from them plus the ground truth.
    public var trainingProposals = 2000
    /// Faster R-CNN: the RPN's proposals per image in validation (and the shipped pipeline's), 300 as in the paper's tests.
    public var testProposals = 300

    /// Creates the defaults.
    public init() {}

    /// The settings as checkpoint and weights metadata (`train.*`).
    public var metadata: [String: String] {
        [
            "train.method": method, "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.input_size": String(inputSize), "train.hidden": String(hidden), "train.dropout": String(dropout), "train.epochs": String(epochs),
            "train.images_per_batch": String(imagesPerBatch), "train.rois_per_image": String(roisPerImage),
            "train.foreground_fraction": String(foregroundFraction), "train.background_low": String(backgroundLow),
            "train.max_proposals": String(maxProposals), "train.learning_rate": String(learningRate),
            "train.schedule": schedule, "train.warmup_epochs": String(warmupEpochs), "train.seed": String(seed),
            "train.freeze": freeze.joined(separator: ","),
            "train.transfer_classifier": String(transferClassifier), "train.subtract_mean": String(subtractMean), "train.proposals": proposals,
            "train.feature_layer": featureLayer,
        ].merging(jointMetadata) { own, _ in own }.merging(optimizer.metadata) { own, _ in own }
    }

    /// Faster R-CNN's own settings as metadata (empty for the other methods).
    var jointMetadata: [String: String] {
        guard method == "faster-rcnn" else { return [:] }
        let proposer = proposerWeights.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none"
        return ["train.proposer_weights": proposer, "train.training_proposals": String(trainingProposals),
                "train.test_proposals": String(testProposals)]
    }

    /// Throws `TrainingError.badOption` naming the first setting that cannot be used.
    public func validate() throws {
        guard DetectorDescription.methods.contains(method) else {
            throw TrainingError.badOption("method \"\(method)\" is not one of \(DetectorDescription.methods.joined(separator: ", "))")
        }
        guard inputSize >= 32, hidden >= 1, epochs >= 1, imagesPerBatch >= 1, roisPerImage >= 1 else {
            throw TrainingError.badOption("input size >= 32, and hidden, epochs, images per batch and RoIs per image >= 1")
        }
        guard (0...1).contains(foregroundFraction), (0..<0.5).contains(backgroundLow), maxProposals >= 1 else {
            throw TrainingError.badOption("foreground fraction in [0, 1], background low in [0, 0.5), max proposals >= 1")
        }
        guard trainingProposals >= 1, testProposals >= 1 else {
            throw TrainingError.badOption("training and test proposals >= 1")
        }
        guard FastRCNNNetwork.featureLayers.contains(featureLayer) else {
            throw TrainingError.badOption("feature layer \(featureLayer): one of \(FastRCNNNetwork.featureLayers.joined(separator: ", "))")
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
