// SegmenterTrainingConfig: the settings of an FCN training run, stored in every checkpoint (a
// resume with other settings is refused) and in the weights file's metadata (the recipe).

import Foundation
import GlimpseOptim
import GlimpseTraining

/// The settings of `glimpse train segmenter`.
public struct SegmenterTrainingConfig: Sendable, Equatable {
    /// The net.
    public var variant = FCNVariant.fcn32s
    /// Pretrained DeepConvNet weights conv1..conv6 and fc1 start from (ignored with `initFrom`); nil: from scratch.
    public var pretrained: String? = "datasets/weights/deepconvnet-mnist.safetensors"
    /// The next coarser FCN's weights this net starts from (the paper's staged training); nil: from `pretrained`.
    public var initFrom: String?
    /// Training images are brought to this side (the scenes' 128 need no resizing).
    public var inputSize = 128
    /// The factor images are resampled by before the network (InputScale); nil: the `initFrom`
    /// file's, or 1. Stored in the weights file's preprocessing.
    public var inputScale: Double?
    /// Units of fc1 (50: DeepConvNet's, loaded from the pretrained weights).
    public var hidden = 50
    /// Dropout after fc1 in training (the FCN repository keeps VGG's 0.5; 0 trained the shipped weights).
    public var dropout: Float = 0
    /// Passes over the training images.
    public var epochs = 8
    /// Images per step.
    public var imagesPerBatch = 8
    /// The update rule.
    public var optimizer = OptimizerChoice(.adam)
    /// Base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` or `step` (x0.1 at 50% and 75%).
    public var schedule = "cosine"
    /// Epochs of linear warm-up.
    public var warmupEpochs = 0
    /// Seeds initialisation, order and dropout.
    public var seed: UInt64 = 1
    /// Parameter-name prefixes not trained (the upsampling is never trained).
    public var freeze: [String] = []
    /// Subtract the training images' mean colour from the input.
    public var subtractMean = true
    /// Detector weights whose frozen trunk a `trunk-fcn` head is trained on (`variant`,
    /// `pretrained`, `initFrom`, `inputSize` and `subtractMean` are then not used: the trunk's
    /// input is the detector's); nil: an FCN.
    public var trunk: String?

    /// Creates the defaults.
    public init() {}

    /// The settings as checkpoint and weights metadata (`train.*`).
    public var metadata: [String: String] {
        [
            "train.variant": variant.rawValue, "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.init": initFrom.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.input_size": String(inputSize), "train.hidden": String(hidden), "train.dropout": String(dropout),
            "train.epochs": String(epochs), "train.images_per_batch": String(imagesPerBatch),
            "train.learning_rate": String(learningRate), "train.schedule": schedule, "train.warmup_epochs": String(warmupEpochs),
            "train.seed": String(seed), "train.freeze": freeze.joined(separator: ","), "train.subtract_mean": String(subtractMean),
            "train.loss": "softmax cross-entropy averaged over labelled pixels, ignore 255",
        ].merging(optimizer.metadata) { own, _ in own }
            .merging(trunk.map { ["train.trunk": URL(fileURLWithPath: $0).lastPathComponent] } ?? [:]) { own, _ in own }
            .merging(inputScale.map { ["train.input_scale": String($0)] } ?? [:]) { own, _ in own }
    }

    /// Throws `TrainingError.badOption` naming the first setting that cannot be used.
    public func validate() throws {
        guard inputSize >= 32, hidden >= 1, epochs >= 1, imagesPerBatch >= 1, (0..<1).contains(dropout) else {
            throw TrainingError.badOption("input size >= 32, hidden, epochs and images per batch >= 1, dropout in [0, 1)")
        }
        if let inputScale, !(InputScale.range.contains(inputScale) && InputScale.alignment(for: inputScale, grid: 8) != nil) {
            throw TrainingError.badOption("input scale \(inputScale): a factor in \(InputScale.range) that turns a multiple of 8 into a multiple"
                                          + " of 8 (such as 0.5, 1.25, 1.5, 2)")
        }
        guard trunk == nil || inputScale == nil else { throw TrainingError.badOption("--input-scale is an FCN setting; the trunk-fcn head reads the detector's input") }
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
