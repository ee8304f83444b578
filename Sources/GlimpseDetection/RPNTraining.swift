// RPNTraining: a whole region proposal network run: the network (trunk from DeepConvNet or Fast
// R-CNN weights, or from scratch), the trainer with its checkpoints and exact resume, and the
// weights file with everything a pipeline needs (RPNDescription) plus the recipe and the
// validation figures.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// Runs region proposal network training as `RPNTrainingConfig` says.
public struct RPNTraining {
    /// The settings.
    public let config: RPNTrainingConfig
    /// The trainer (model, optimizer, epochs).
    public private(set) var trainer: Trainer<RPNTask>
    /// The parameter names taken from the pretrained file (empty from scratch).
    public let pretrainedLoaded: [String]
    /// The Fast R-CNN detector whose trunk this run keeps frozen on the detector's own input
    /// (then recorded in the weights, so a pipeline runs the shared trunk once), or nil.
    public let sharedTrunk: BackboneIdentity?

    /// The detector backbone the network's trunk will equal: when `metadata` is a `fast-rcnn`
    /// detector's, every trunk tensor was loaded from it and is frozen, and the input size,
    /// feature layer and channels are the detector's. Nil otherwise.
    static func sharedTrunk(pretrained: String, metadata: [String: String], network: RPNNetwork,
                            config: RPNTrainingConfig) throws -> BackboneIdentity? {
        guard metadata["detector.method"] == FastRCNNDetector.conformanceName,
              metadata["preprocess.input_size"] == String(config.inputSize),
              (metadata["train.feature_layer"] ?? "pool3") == config.featureLayer else { return nil }
        let frozen = Gradients(frozenPrefixes: config.freeze)
        var trunkNames = [String]()
        network.trunk.visitParameters { name, _ in trunkNames.append(name) }
        guard !trunkNames.contains(where: { frozen.wants($0) }) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: pretrained), options: .alwaysMapped)
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        return BackboneIdentity(architecture: "fast-rcnn-deepconvnet", weightsDigest: digest, weightsFile: pretrained)
    }

    /// The input normalisation of a pretrained file with `preprocess.*` metadata (a Fast R-CNN
    /// detector's, which its trunk was trained with) at `inputSize`; nil without it. Throws
    /// naming `pretrained` when it is not RGB.
    static func preprocessing(of metadata: [String: String], pretrained: String, inputSize: Int) throws -> ImagePreprocessing? {
        guard metadata["preprocess.input_size"] != nil else { return nil }
        let own = try ImagePreprocessing(metadata: metadata, source: pretrained)
        guard own.channelOrder == "RGB" else {
            throw TrainingError.badOption("\(pretrained): its preprocessing is \(own.channelOrder), the network takes RGB")
        }
        return ImagePreprocessing(inputSize: inputSize, channelOrder: "RGB", mean: own.mean, std: own.std, scale: own.scale)
    }

    /// Builds the network and trainer; throws naming the pretrained file when it cannot be used.
    /// A pretrained file with `preprocess.*` metadata (a Fast R-CNN detector's) brings its input
    /// normalisation, which its trunk was trained with; otherwise the training images' mean colour
    /// is subtracted (or nothing, without `subtractMean`).
    public init(config: RPNTrainingConfig, training: DetectionSet, validation: DetectionSet?) throws {
        try config.validate()
        self.config = config
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images") }
        var network = RPNNetwork(anchorsPerPosition: config.anchors.perPosition, inputSize: config.inputSize, hidden: config.hidden,
                                 featureLayer: config.featureLayer, trunkKind: config.trunk, seed: config.seed)
        var preprocessing = FastRCNNTraining.preprocessing(
            inputSize: config.inputSize, mean: config.subtractMean ? FastRCNNTraining.channelMeans(training) : [0, 0, 0])
        var loaded = [String]()
        if let pretrained = config.pretrained {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained))
            guard file["conv6.weight"] != nil, file["conv1.weight"] != nil else {
                throw TrainingError.badOption("\(pretrained): no conv1/conv6 tensors; the trunk starts from DeepConvNet or Fast R-CNN weights")
            }
            preprocessing = try Self.preprocessing(of: file.metadata, pretrained: pretrained, inputSize: config.inputSize) ?? preprocessing
            loaded = try network.loadPretrained(try file.tensors(), source: pretrained)
            sharedTrunk = try Self.sharedTrunk(pretrained: pretrained, metadata: file.metadata, network: network, config: config)
        } else {
            sharedTrunk = nil
        }
        pretrainedLoaded = loaded
        let sampler = AnchorSampler(batchSize: config.anchorsPerImage, positiveFraction: config.positiveFraction,
                                    positiveThreshold: config.positiveThreshold, negativeThreshold: config.negativeThreshold)
        let task = RPNTask(training: training, validation: validation, grid: config.anchors, sampler: sampler,
                           preprocessing: preprocessing, featureSize: network.featureSize, boxBeta: config.boxBeta, boxWeight: config.boxWeight,
                           frozenPrefixes: config.freeze, settings: RPNProposalSettings(maxProposals: config.validationProposals))
        let steps = (training.examples.count + config.imagesPerBatch - 1) / config.imagesPerBatch
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: config.imagesPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.pretrained_loaded": loaded.joined(separator: ",")]) { own, _ in own })
    }

    /// Trains (resuming from `checkpoint` when asked), then writes the weights to `output`
    /// atomically with the description, the recipe, the history and the final validation
    /// figures; `extraMetadata` (the command line, the data) is added. Returns the record and
    /// those figures.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> (record: Trainer<RPNTask>.Record, validation: [String: Double]) {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task
        let validation = task.validate(trainer.model)
        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = "epoch:loss:cls:box:recall50:recall70:AR"
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["validation.images"] = String(task.validation?.examples.count ?? 0)
        extra["validation.proposals"] = String(task.settings.maxProposals)
        for (key, value) in validation { extra["validation." + key] = String(format: "%.4f", value) }
        let trunkText: String
        if case .tiny(let widths) = config.trunk {
            trunkText = "its own tiny trunk: tiny_conv1..3 (3x3, strides 2, 2, 1; \(widths.map(String.init).joined(separator: "/")) channels)"
        } else {
            trunkText = "DeepConvNet: trunk conv1..\(config.featureLayer)"
        }
        extra["model"] = "Region proposal network (Ren et al. 2015) on \(trunkText), "
            + "rpn_conv 3x3, rpn_cls_score (\(config.anchors.perPosition) anchors), rpn_bbox_pred"
        let description = RPNDescription(anchors: config.anchors, trunk: config.trunk, featureLayer: config.featureLayer, featureSize: task.featureSize,
                                         preprocessing: task.preprocessing, sharedTrunk: sharedTrunk, extra: extra)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try trainer.model.save(to: output, metadata: description.metadata)
        return (record, validation)
    }
}
