// FCNTraining: a whole FCN run: the network (from a convolutionalised DeepConvNet classifier,
// or from the next coarser FCN as in the paper's staged training), the trainer with its
// checkpoints and exact resume, and the weights file with everything a pipeline needs
// (SegmenterDescription) plus the recipe, history and validation figures.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// Runs FCN training as `SegmenterTrainingConfig` says.
public struct FCNTraining {
    /// The settings.
    public let config: SegmenterTrainingConfig
    /// The trainer (model, optimizer, epochs).
    public private(set) var trainer: Trainer<FCNTask>
    /// The parameter names taken from the pretrained or coarser file (empty from scratch).
    public let pretrainedLoaded: [String]

    /// The mean byte value of each RGB channel over `set`'s images, rounded to 0.01 (what the input subtracts).
    public static func channelMeans(_ set: SegmentationSet) -> [Float] {
        ImagePreprocessing.channelMeans(of: set.examples.lazy.map(\.image))
    }

    /// Builds the network and trainer; throws naming a weights file that cannot be used.
    public init(config: SegmenterTrainingConfig, training: SegmentationSet, validation: SegmentationSet?) throws {
        try config.validate()
        self.config = config
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images") }
        var network = FCNNetwork(variant: config.variant, classes: training.classes.count, hidden: config.hidden,
                                 dropout: config.dropout, seed: config.seed)
        var preprocessing = ImagePreprocessing(inputSize: config.inputSize, channelOrder: "RGB",
                                               mean: config.subtractMean ? Self.channelMeans(training) : [0, 0, 0],
                                               std: [1, 1, 1], scale: 1 / 255)
        var loaded = [String]()
        var inputScale = config.inputScale ?? 1
        if let initFrom = config.initFrom {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: initFrom))
            let coarser = try SegmenterDescription(metadata: file.metadata, file: initFrom)
            guard coarser.classes == training.classes else {
                throw TrainingError.badOption("\(initFrom) scores \(coarser.classes.count) classes (\(coarser.classes.joined(separator: ","))),"
                                              + " the training data has \(training.classes.count)")
            }
            preprocessing = coarser.preprocessing  // the coarser net's input, kept
            preprocessing.inputSize = config.inputSize
            inputScale = config.inputScale ?? coarser.inputScale
            loaded = try FCNTransfer.load(try file.tensors(), into: &network, file: initFrom)
        } else if let pretrained = config.pretrained {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained))
            loaded = try FCNTransfer.load(try file.tensors(), into: &network, file: pretrained)
        }
        pretrainedLoaded = loaded
        let task = FCNTask(training: training, validation: validation, preprocessing: preprocessing, frozenPrefixes: config.freeze,
                           inputScale: inputScale)
        let steps = (training.examples.count + config.imagesPerBatch - 1) / config.imagesPerBatch
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: config.imagesPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.pretrained_loaded": loaded.joined(separator: ",")]) { own, _ in own })
    }

    /// Trains (resuming from `checkpoint` when asked), then writes the weights to `output`
    /// atomically with the segmenter's description, the recipe, the history and the final
    /// validation figures; `extraMetadata` (the command line, the data) is added.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, palette: Palette = .voc, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> (record: Trainer<FCNTask>.Record, validation: [String: Double]) {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task
        let validation = task.validate(trainer.model)
        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = "epoch:loss:pixel_accuracy:val_pixel_accuracy:val_mean_accuracy:val_mIoU:val_fwIoU"
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["validation.images"] = String(task.validation?.examples.count ?? 0)
        for (key, value) in validation { extra["validation." + key] = String(format: "%.4f", value) }
        extra["model"] = "\(config.variant.rawValue) (Long et al. 2015) on DeepConvNet: conv1..pool3, fc1 as a 4x4 convolution, score_fr"
            + [" ", ", score_pool2 ", ", score_pool2 and score_pool1 "][config.variant.skips] + "with fixed bilinear upsampling"
        let description = SegmenterDescription(variant: config.variant, classes: task.training.classes, palette: palette,
                                               preprocessing: task.preprocessing, inputScale: task.inputScale, extra: extra)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try trainer.model.save(to: output, metadata: description.metadata)
        return (record, validation)
    }
}
