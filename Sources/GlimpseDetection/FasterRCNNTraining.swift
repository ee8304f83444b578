// FasterRCNNTraining: a whole Faster R-CNN run by approximate joint training (FasterRCNNTask):
// the network (trunk and detection head from DeepConvNet or Fast R-CNN weights, the RPN head
// and its anchors from an `rpn` weights file or fresh), the trainer with its checkpoints and
// exact resume, and one weights file holding the trunk and both heads with everything a
// pipeline needs (DetectorDescription with method `faster-rcnn`, the anchors and their feature
// map) plus the recipe and validation figures.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// Runs Faster R-CNN training as `DetectorTrainingConfig` says (`method` `faster-rcnn`).
public struct FasterRCNNTraining {
    /// The settings.
    public let config: DetectorTrainingConfig
    /// The trainer (model, optimizer, epochs).
    public private(set) var trainer: Trainer<FasterRCNNTask>
    /// The parameter names taken from the pretrained files (trunk, detection head, RPN head).
    public let pretrainedLoaded: [String]

    /// Builds the network and trainer; throws naming a pretrained file when it cannot be used.
    /// A pretrained file with `preprocess.*` metadata (a Fast R-CNN detector's) brings its input
    /// normalisation; otherwise the training images' mean colour is subtracted (or nothing).
    public init(config: DetectorTrainingConfig, training: DetectionSet, validation: DetectionSet?) throws {
        try config.validate()
        precondition(config.method == FasterRCNNDetector.conformanceName, "FasterRCNNTraining: method \(config.method)")
        self.config = config
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images") }
        var preprocessing = FastRCNNTraining.preprocessing(inputSize: config.inputSize,
                                                           mean: config.subtractMean ? FastRCNNTraining.channelMeans(training) : [0, 0, 0])
        var (grid, proposerHidden, proposerTensors) = (AnchorGrid.scenes, 64, [String: Tensor]())
        if let path = config.proposerWeights {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
            let description = try RPNDescription(file: file, path: path)
            guard description.trunk == .deepconvnet else {
                throw TrainingError.badOption("\(path): an rpn on the \(description.trunk.name) trunk; Faster R-CNN shares DeepConvNet's trunk")
            }
            guard let conv = file["rpn_conv.weight"], conv.shape.count == 4 else {
                throw TrainingError.badOption("\(path): no rpn_conv tensor of a region proposal network's shape")
            }
            guard description.preprocessing.inputSize == config.inputSize, description.featureLayer == config.featureLayer else {
                throw TrainingError.badOption("\(path): trained on a \(description.preprocessing.inputSize) px input from \(description.featureLayer), "
                                              + "this run has \(config.inputSize) px and \(config.featureLayer)")
            }
            (grid, proposerHidden, proposerTensors) = (description.anchors, conv.shape[0], try file.tensors())
        }
        var network = FasterRCNNNetwork(slots: training.categories.count + 1, inputSize: config.inputSize, hidden: config.hidden,
                                        featureLayer: config.featureLayer, anchorsPerPosition: grid.perPosition,
                                        proposerHidden: proposerHidden, seed: config.seed)
        var loaded = [String]()
        if let pretrained = config.pretrained {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained))
            guard file["conv6.weight"] != nil, file["conv1.weight"] != nil else {
                throw TrainingError.badOption("\(pretrained): no conv1/conv6 tensors; the trunk starts from DeepConvNet or Fast R-CNN weights")
            }
            preprocessing = try RPNTraining.preprocessing(of: file.metadata, pretrained: pretrained, inputSize: config.inputSize) ?? preprocessing
            loaded = try network.detector.loadPretrained(try file.tensors(), source: pretrained)
        }
        if let path = config.proposerWeights {
            loaded += try DeepConvNetTransfer.load(proposerTensors, into: &network.proposer, source: path)
        }
        pretrainedLoaded = loaded
        let anchorSampler = AnchorSampler()
        let proposerTask = RPNTask(training: training, validation: nil, grid: grid, sampler: anchorSampler, preprocessing: preprocessing,
                                   featureSize: network.featureSize, frozenPrefixes: config.freeze)
        let roiSampler = ProposalSampler(batchSize: config.roisPerImage, foregroundFraction: config.foregroundFraction,
                                         backgroundLow: config.backgroundLow, appendGroundTruth: true)
        let detectorTask = FastRCNNTask(training: training, validation: validation, sampler: roiSampler, preprocessing: preprocessing,
                                        frozenPrefixes: config.freeze, maxProposals: config.trainingProposals)
        // torchvision's training selection (pre-NMS top 2000, NMS 0.7, 2000 kept); the paper's test one (6000, 0.7, 300).
        let task = FasterRCNNTask(proposerTask: proposerTask, detectorTask: detectorTask,
                                  trainingSettings: RPNProposalSettings(preNMS: 2000, maxProposals: config.trainingProposals),
                                  testSettings: RPNProposalSettings(maxProposals: config.testProposals))
        let steps = (training.examples.count + config.imagesPerBatch - 1) / config.imagesPerBatch
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: config.imagesPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.pretrained_loaded": loaded.joined(separator: ",")]) { own, _ in own })
    }

    /// Trains (resuming from `checkpoint` when asked), then writes the weights to `output`
    /// atomically with the detector's description, the anchors, the recipe, the history and the
    /// final validation figures; `extraMetadata` (the command line, the data) is added. Returns the record.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> Trainer<FasterRCNNTask>.Record {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let (task, network) = (trainer.task, trainer.model)
        let grid = task.proposerTask.grid
        try FastRCNNTraining.writeWeights(
            trainer: trainer, record: record, validation: task.validate(network), validationImages: task.validation?.examples.count ?? 0,
            columns: "epoch:loss:rpn_cls:rpn_box:cls:box:roi_accuracy:AP:AP50:AP75",
            model: "Faster R-CNN (Ren et al. 2015) on DeepConvNet: trunk conv1..\(config.featureLayer), RPN head (rpn_conv 3x3, "
                + "rpn_cls_score of \(grid.perPosition) anchors, rpn_bbox_pred), RoI max pool 4x4, fc1, cls_score, bbox_pred",
            extraMetadata: extraMetadata.merging(grid.metadata) { own, _ in own }.merging(["rpn.feature_size": String(network.featureSize)]) { own, _ in own },
            output: output) { extra in
            DetectorDescription(method: FasterRCNNDetector.conformanceName, categories: task.detectorTask.training.categories,
                                categoryIDs: task.detectorTask.training.categoryIDs, preprocessing: task.detectorTask.preprocessing,
                                proposals: "rpn (own head) max=\(config.testProposals)", boxStds: task.detectorTask.boxCoder.stds, extra: extra)
        }
        return record
    }
}
