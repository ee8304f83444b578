// CaptionerTrainingConfig: the settings of a NIC training run, stored in every checkpoint (a
// resume with other settings is refused) and in the weights file's metadata (the recipe).

import Foundation
import GlimpseOptim
import GlimpseTraining

/// The settings of `glimpse train captioner`.
public struct CaptionerTrainingConfig: Sendable, Equatable {
    /// The CNN's weights (ignored with `initFrom`): SqueezeNet 1.1 (ImageNet) or a Fast R-CNN detector's trunk.
    public var cnn = "datasets/weights/squeezenet1_1.safetensors"
    /// The SqueezeNet layer the CNN ends at (a detector's trunk ends at its feature layer).
    public var cnnLayer = "fire9"
    /// A NIC weights file to start from (phase 2 fine-tunes the CNN of a phase-1 run); nil: a new decoder.
    public var initFrom: String?
    /// Train the CNN too (im2txt's second phase); otherwise it is frozen and its features computed once.
    public var fineTuneCNN = false
    /// LSTM or the plain RNN.
    public var cell = CaptionCell.lstm
    /// The image as first input (NIC), as initial state (ablation) or beside every word (par-inject).
    public var feeding = ImageFeeding.firstInput
    /// Scale the pooled features to an RMS of 1 over the training images before the image
    /// embedding (the scale is stored in the weights file); off: NIC's recipe as shipped.
    public var normalizeFeatures = false
    /// Word-embedding width E.
    public var embedding = 256
    /// Recurrent units H.
    public var hidden = 256
    /// Cells per side of the pooled CNN map.
    public var grid = 4
    /// Dropout on the recurrent layer's inputs and outputs (im2txt: keep 0.7).
    public var dropout: Float = 0.3
    /// The least count of a training word kept in the vocabulary (im2txt: 4).
    public var minimumCount = 4
    /// Training captions are cut to this many tokens.
    public var maxTokens = 40
    /// Generated captions stop after this many tokens.
    public var maxLength = 30
    /// Passes over the (image, caption) pairs.
    public var epochs = 10
    /// Pairs per step.
    public var batchSize = 32
    /// The update rule (Adam, as neuraltalk2).
    public var optimizer = OptimizerChoice(.adam)
    /// Base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` or `step`.
    public var schedule = "cosine"
    /// Epochs of linear warm-up.
    public var warmupEpochs = 0
    /// Gradients are clipped to this global norm (im2txt: 5).
    public var clipNorm: Float = 5
    /// Seeds initialisation, order and dropout.
    public var seed: UInt64 = 1

    /// Creates the defaults.
    public init() {}

    /// The settings as checkpoint and weights metadata (`train.*`).
    public var metadata: [String: String] {
        [
            "train.cnn": URL(fileURLWithPath: cnn).lastPathComponent, "train.cnn_layer": cnnLayer, "train.init": initFrom.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.fine_tune_cnn": String(fineTuneCNN), "train.cell": cell.rawValue, "train.feeding": feeding.rawValue,
            "train.normalize_features": String(normalizeFeatures),
            "train.embedding": String(embedding), "train.hidden": String(hidden), "train.grid": String(grid), "train.dropout": String(dropout),
            "train.min_count": String(minimumCount), "train.max_tokens": String(maxTokens), "train.max_length": String(maxLength),
            "train.epochs": String(epochs), "train.batch_size": String(batchSize), "train.learning_rate": String(learningRate),
            "train.schedule": schedule, "train.warmup_epochs": String(warmupEpochs), "train.clip_norm": String(clipNorm),
            "train.seed": String(seed),
            "train.loss": "softmax cross-entropy per predicted token (words and </s>), teacher forcing, padded steps masked",
        ].merging(optimizer.metadata) { own, _ in own }
    }

    /// Throws `TrainingError.badOption` naming the first setting that cannot be used.
    public func validate() throws {
        guard embedding >= 1, hidden >= 1, grid >= 1, minimumCount >= 1, maxTokens >= 1, maxLength >= 1 else {
            throw TrainingError.badOption("embedding, hidden, grid, min count, max tokens and max length must be >= 1")
        }
        guard epochs >= 1, batchSize >= 1, (0..<1).contains(dropout), clipNorm > 0 else {
            throw TrainingError.badOption("epochs and batch size >= 1, dropout in [0, 1), clip norm > 0")
        }
        guard learningRate > 0, warmupEpochs >= 0, warmupEpochs < epochs else {
            throw TrainingError.badOption("learning rate > 0 and warm-up epochs in 0..<epochs")
        }
        if fineTuneCNN && initFrom == nil {
            throw TrainingError.badOption("fine-tuning the CNN is im2txt's second phase: give the first phase's weights to start from")
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
