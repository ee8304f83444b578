// FastRCNNTraining: a whole Fast R-CNN run: the network (from pretrained DeepConvNet weights or
// from scratch), the trainer with its checkpoints and exact resume, and the weights file with
// everything a pipeline needs (DetectorDescription) plus the recipe and validation figures.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// Runs Fast R-CNN training as `DetectorTrainingConfig` says.
public struct FastRCNNTraining {
    /// The settings.
    public let config: DetectorTrainingConfig
    /// The trainer (model, optimizer, epochs).
    public private(set) var trainer: Trainer<FastRCNNTask>
    /// The parameter names taken from the pretrained file (empty from scratch). `cls_score.*`
    /// appear only when the classifier rows were transferred, which needs fc1 as wide as the
    /// pretrained network's (50 for DeepConvNet); a wider fc1 starts fresh and so does `cls_score`.
    public let pretrainedLoaded: [String]

    /// The input of the trunk: RGB at `inputSize`, `mean` (bytes, per channel) subtracted, scaled
    /// by 1/255 (DeepConvNet's MNIST scaling, in colour).
    public static func preprocessing(inputSize: Int, mean: [Float] = [0, 0, 0]) -> ImagePreprocessing {
        ImagePreprocessing(inputSize: inputSize, channelOrder: "RGB", mean: mean, std: [1, 1, 1], scale: 1 / 255)
    }

    /// The mean byte value of each RGB channel over `set`'s images, rounded to 0.01 (what the input subtracts).
    public static func channelMeans(_ set: DetectionSet) -> [Float] {
        ImagePreprocessing.channelMeans(of: set.examples.lazy.map(\.image))
    }

    /// Builds the network and trainer; throws naming the pretrained file when it cannot be used.
    public init(config: DetectorTrainingConfig, training: DetectionSet, validation: DetectionSet?) throws {
        try config.validate()
        self.config = config
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images") }
        let preprocessing = Self.preprocessing(inputSize: config.inputSize,
                                               mean: config.subtractMean ? Self.channelMeans(training) : [0, 0, 0])
        var network = FastRCNNNetwork(slots: training.categories.count + 1, inputSize: config.inputSize, hidden: config.hidden,
                                      dropout: config.dropout, featureLayer: config.featureLayer, seed: config.seed)
        var loaded = [String]()
        if let pretrained = config.pretrained {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained))
            guard file["conv6.weight"] != nil, file["conv1.weight"] != nil else {
                throw TrainingError.badOption("\(pretrained): no conv1/conv6 tensors; the trunk starts from DeepConvNet weights")
            }
            // Categories the pretrained classifier already scores start from its rows.
            let names = FastRCNNNetwork.pretrainedClassNames(metadata: file.metadata)
            var rows = [Int: Int]()
            for (k, category) in training.categories.enumerated() {
                if let row = names.firstIndex(of: category) { rows[k + 1] = row }
            }
            loaded = try network.loadPretrained(try file.tensors(), source: pretrained, classRows: config.transferClassifier ? rows : [:])
        }
        pretrainedLoaded = loaded
        let sampler = ProposalSampler(batchSize: config.roisPerImage, foregroundFraction: config.foregroundFraction,
                                      backgroundLow: config.backgroundLow, appendGroundTruth: true)
        let task = FastRCNNTask(training: training, validation: validation, sampler: sampler, preprocessing: preprocessing,
                                frozenPrefixes: config.freeze, maxProposals: config.maxProposals)
        let steps = (training.examples.count + config.imagesPerBatch - 1) / config.imagesPerBatch
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: config.imagesPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.pretrained_loaded": loaded.joined(separator: ",")]) { own, _ in own })
    }

    /// Trains (resuming from `checkpoint` when asked), then writes the weights to `output`
    /// atomically with the detector's description, the recipe, the history and the final
    /// validation figures; `extraMetadata` (the command line, the data) is added. Returns the record.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> Trainer<FastRCNNTask>.Record {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task
        try Self.writeWeights(trainer: trainer, record: record, validation: task.validate(trainer.model),
                              validationImages: task.validation?.examples.count ?? 0, columns: "epoch:loss:cls:box:roi_accuracy:AP:AP50:AP75",
                              model: "Fast R-CNN (Girshick 2015) on DeepConvNet: trunk conv1..\(config.featureLayer), RoI max pool 4x4, fc1, cls_score, bbox_pred",
                              extraMetadata: extraMetadata, output: output) { extra in
            DetectorDescription(method: FastRCNNDetector.conformanceName, categories: task.training.categories,
                                categoryIDs: task.training.categoryIDs, preprocessing: task.preprocessing,
                                proposals: config.proposals, boxStds: task.boxCoder.stds, extra: extra)
        }
        return record
    }

    /// Writes a finished end-to-end detector run's weights to `output` atomically: the network,
    /// the description `describe` makes of the metadata (the run's settings, `extraMetadata`,
    /// the history with its `columns`, the training time, the `validation` figures on
    /// `validationImages` images, the `model` summary). Fast R-CNN's and Faster R-CNN's runs end here.
    static func writeWeights<Task: TrainingTask>(trainer: Trainer<Task>, record: Trainer<Task>.Record, validation: [String: Double],
                                                 validationImages: Int, columns: String, model: String, extraMetadata: [String: String],
                                                 output: URL, describe: ([String: String]) -> DetectorDescription) throws {
        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = columns
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["validation.images"] = String(validationImages)
        for (key, value) in validation { extra["validation." + key] = String(format: "%.4f", value) }
        extra["model"] = model
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try trainer.model.save(to: output, metadata: describe(extra).metadata)
    }
}
