// TrunkFCNTraining: a whole `trunk-fcn` run: the detector's trunk read from its weights file
// (Fast R-CNN or Faster R-CNN, ending at relu6), a fresh head, the trainer with its checkpoints
// and exact resume, and the weights file: the trunk's tensors unchanged (`trunk.*`), the head
// (`head.*`), the segmenter's description (method `trunk-fcn`, variant `fcn-32s`: no skips), the
// detector file's identity (`backbone.*`: a pipeline with that detector runs the trunk once for
// both), the recipe, the history and the validation figures.

import Foundation
import GlimpseDetection
import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// Runs the trunk-fcn head's training as `SegmenterTrainingConfig` says (its `trunk`).
public struct TrunkFCNTraining {
    /// The settings.
    public let config: SegmenterTrainingConfig
    /// The trainer (the head, optimizer, epochs).
    public private(set) var trainer: Trainer<TrunkFCNTask>
    /// The frozen trunk.
    public let trunk: Sequential
    /// The detector weights file the trunk came from.
    public let identity: BackboneIdentity

    /// The trunk of detector weights `path` (Fast R-CNN or Faster R-CNN, feature layer relu6),
    /// its preprocessing and the file's identity; throws `StageError` naming the file otherwise.
    public static func detectorTrunk(weights path: String) throws -> (trunk: Sequential, preprocessing: ImagePreprocessing, identity: BackboneIdentity) {
        let found: (Sequential, String, ImagePreprocessing, BackboneIdentity)
        if let detector = try? FastRCNNDetector(weights: path) {
            found = (detector.network.trunk, detector.network.featureLayer, detector.description.preprocessing, detector.trunk.identity)
        } else if let detector = try? FasterRCNNDetector(weights: path) {
            found = (detector.network.trunk, detector.network.featureLayer, detector.description.preprocessing, detector.detection.trunk.identity)
        } else {
            throw StageError(file: path, problem: "not Fast R-CNN or Faster R-CNN detector weights (the trunk-fcn head reads a detector's trunk)")
        }
        guard found.1 == TrunkFCNNetwork.featureLayer else {
            throw StageError(file: path, problem: "the detector's trunk ends at \(found.1); the trunk-fcn head reads \(TrunkFCNNetwork.featureLayer)")
        }
        return (found.0, found.2, found.3)
    }

    /// Reads the trunk, computes its maps of every image once and builds the trainer; throws
    /// naming the detector file when it cannot be used.
    public init(config: SegmenterTrainingConfig, training: SegmentationSet, validation: SegmentationSet?,
                progress: (Int, Int) -> Void = { _, _ in }) throws {
        try config.validate()
        guard let trunkFile = config.trunk else { throw TrainingError.badOption("no detector weights for the trunk-fcn head") }
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images") }
        self.config = config
        let (trunk, preprocessing, identity) = try Self.detectorTrunk(weights: trunkFile)
        (self.trunk, self.identity) = (trunk, identity)
        let channels = trunk(Tensor(zeros: [1, preprocessing.channels, preprocessing.inputSize, preprocessing.inputSize])).shape[1]
        let head = TrunkFCNNetwork.makeHead(channels: channels, hidden: config.hidden, classes: training.classes.count, seed: config.seed)
        let task = TrunkFCNTask(trunk: trunk, preprocessing: preprocessing, training: training, validation: validation, progress: progress)
        let steps = (training.examples.count + config.imagesPerBatch - 1) / config.imagesPerBatch
        trainer = Trainer(task: task, model: head, epochs: config.epochs, batchSize: config.imagesPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.trunk_digest": identity.weightsDigest]) { own, _ in own })
    }

    /// Trains (resuming from `checkpoint` when asked), then writes trunk and head to `output`
    /// atomically with the description, the recipe, the history and the final validation
    /// figures; `extraMetadata` (the command line, the data) is added.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, palette: Palette = .voc, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> (record: Trainer<TrunkFCNTask>.Record, validation: [String: Double]) {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task
        let validation = task.validate(trainer.model)
        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = "epoch:loss:cell_accuracy:val_pixel_accuracy:val_mean_accuracy:val_mIoU:val_fwIoU"
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["validation.images"] = String(task.validation.count)
        for (key, value) in validation { extra["validation." + key] = String(format: "%.4f", value) }
        extra["model"] = "trunk-fcn: FCN-32s-style head (3x3 conv \(config.hidden), ReLU, 1x1 scores) on the frozen relu6 of \(identity.weightsFile),"
            + " scores interpolated bilinearly to the image"
        for (key, value) in identity.metadata { extra[key] = value }
        let description = SegmenterDescription(method: TrunkFCNSegmenter.conformanceName, variant: .fcn32s, classes: task.classes, palette: palette,
                                               preprocessing: task.preprocessing, extra: extra)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let network = TrunkFCNNetwork(trunk: trunk, head: trainer.model, inputSize: task.preprocessing.inputSize)
        try network.container.save(to: output, metadata: description.metadata)
        return (record, validation)
    }
}
