// CaptionTraining: a whole NIC run: the network (a new decoder on a detector's trunk, or a
// phase-1 NIC file to fine-tune), the trainer with its checkpoints and exact resume, and the
// weights file with everything a pipeline needs (CaptionerDescription) plus the recipe, the
// history and the validation figures.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// Runs NIC training as `CaptionerTrainingConfig` says.
public struct CaptionTraining {
    /// The settings.
    public let config: CaptionerTrainingConfig
    /// The trainer (model, optimizer, epochs).
    public private(set) var trainer: Trainer<CaptionTask>
    /// Where the CNN came from (a detector file, or the NIC file started from).
    public let cnnSource: String
    /// The weights the CNN is an unchanged copy of, while the CNN is not fine-tuned.
    public let sharedBackbone: BackboneIdentity?
    /// The CNN's architecture (`CaptionCNN.architectures`).
    public let cnnArchitecture: String

    /// Builds the vocabulary (or takes `initFrom`'s), the network and the trainer, and in phase 1
    /// the training features; throws naming a weights file that cannot be used.
    public init(config: CaptionerTrainingConfig, training: CaptionSet, validation: CaptionSet?) throws {
        try config.validate()
        self.config = config
        guard !training.examples.isEmpty else { throw TrainingError.badOption("no training images with captions") }
        var network: NICNetwork, vocabulary: CaptionVocabulary, preprocessing: ImagePreprocessing
        if let initFrom = config.initFrom {
            let (loaded, description) = try NICCaptioner.load(weights: initFrom)
            guard description.cell == config.cell, description.feeding == config.feeding, description.grid == config.grid,
                  loaded.embeddingSize == config.embedding, loaded.hiddenSize == config.hidden else {
                throw TrainingError.badOption("\(initFrom) is a \(description.cell.rawValue) with \(description.feeding.rawValue) feeding, grid"
                                              + " \(description.grid), embedding \(loaded.embeddingSize), hidden \(loaded.hiddenSize):"
                                              + " the options must match it")
            }
            var continued = loaded
            continued.dropout = config.dropout  // a weights file keeps no training-only setting
            (network, vocabulary, preprocessing) = (continued, description.vocabulary, description.preprocessing)
            sharedBackbone = config.fineTuneCNN ? nil : description.sharedBackbone
            cnnArchitecture = description.cnnArchitecture
            cnnSource = initFrom
        } else {
            let cnn: CaptionCNN
            do {
                cnn = try CaptionCNN(weights: config.cnn, layer: config.cnnLayer)
            } catch {
                throw TrainingError.badOption("the CNN: \(error)")
            }
            vocabulary = CaptionVocabulary(captions: training.allCaptions, minimumCount: config.minimumCount)
            preprocessing = cnn.preprocessing
            let side = cnn.network(Tensor(zeros: [1, preprocessing.channels, preprocessing.inputSize, preprocessing.inputSize])).shape[3]
            guard side >= config.grid else {
                throw TrainingError.badOption("grid \(config.grid): \(config.cnn)'s \(cnn.layer) map is only \(side)x\(side)")
            }
            network = NICNetwork(cnn: cnn.network, inputSize: preprocessing.inputSize, inputChannels: preprocessing.channels,
                                 grid: config.grid, vocabulary: vocabulary.count, embedding: config.embedding, hidden: config.hidden,
                                 cell: config.cell, feeding: config.feeding, dropout: config.dropout, seed: config.seed)
            sharedBackbone = cnn.identity
            cnnArchitecture = cnn.architecture
            cnnSource = config.cnn
        }
        let task = CaptionTask(training: training, validation: validation, vocabulary: vocabulary, preprocessing: preprocessing,
                               network: network, fineTuneCNN: config.fineTuneCNN, maxTokens: config.maxTokens,
                               clipNorm: config.clipNorm, maxLength: config.maxLength)
        if config.normalizeFeatures && config.initFrom == nil {
            let features = task.cachedFeatures ?? network.features(of: training.examples.map(\.image), preprocessing: preprocessing)
            network.featureScale = Self.featureScale(of: features)
        }
        let steps = (task.exampleCount + config.batchSize - 1) / config.batchSize
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: steps),
                          settings: config.metadata.merging(["train.vocabulary_size": String(vocabulary.count)]) { own, _ in own })
    }

    /// The out-of-domain summary of the training images' CNN channel means `[N, C]` (the global
    /// average of the map, not the grid features the decoder reads: the grid's positional
    /// variation would hide how unlike a photo's statistics are; on the scene test split the
    /// channel means keep every scene within the threshold and put the sample photos at twice it).
    public static func domain(of features: Tensor) -> FeatureDomain {
        let d = features.shape[1]
        return FeatureDomain(trainingFeatures: (0..<features.shape[0]).map { Array(features.scalars[($0 * d)..<(($0 + 1) * d)]) })
    }

    /// 1 / the root mean square of `features` `[N, D]` (1 when they are all zero).
    public static func featureScale(of features: Tensor) -> Float {
        var total: Double = 0
        features.withUnsafeBufferPointer { for x in $0 { total += Double(x) * Double(x) } }
        let rms = (total / Double(max(features.count, 1))).squareRoot()
        return rms > 0 ? Float(1 / rms) : 1
    }

    /// The description of the trained network (with `extra` metadata).
    public func description(extra: [String: String]) -> CaptionerDescription {
        let task = trainer.task
        var description = CaptionerDescription(method: "nic", vocabulary: task.vocabulary, cell: config.cell, feeding: config.feeding,
                                               cnnArchitecture: cnnArchitecture, cnnLayer: trainer.model.cnn.layers.last!.name, grid: config.grid,
                                               maxLength: config.maxLength, preprocessing: task.preprocessing, sharedBackbone: sharedBackbone,
                                               extra: extra)
        description.featureScale = trainer.model.featureScale
        return description
    }

    /// Trains (resuming from `checkpoint` when asked), then writes the weights to `output`
    /// atomically with the captioner's description, the recipe, the history and the final
    /// validation figures; `extraMetadata` (the command line, the data) is added.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String] = [:],
                             report: (TrainingEvent) -> Void = { _ in }) throws -> (record: Trainer<CaptionTask>.Record, validation: [String: Double]) {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task
        let validation = task.validate(trainer.model)
        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = "epoch:loss:token_accuracy:val_BLEU-4:val_CIDEr-D"
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["training.images"] = String(task.training.examples.count)
        extra["training.captions"] = String(task.exampleCount)
        extra["validation.images"] = String(task.validation?.examples.count ?? 0)
        for (key, value) in validation { extra["validation." + key] = String(format: "%.4f", value) }
        extra["model"] = "NIC (Vinyals et al. 2015): \(URL(fileURLWithPath: cnnSource).lastPathComponent)'s \(cnnArchitecture) to \(trainer.model.cnn.layers.last!.name)"
            + (config.fineTuneCNN ? " (fine-tuned)" : "") + ", \(config.grid)x\(config.grid) max-pooled, image embedding as the "
            + ["first-input": "first input", "initial-state": "initial state", "every-step": "input at every step (beside the word)"][config.feeding.rawValue]!
            + " of a \(config.cell.rawValue.uppercased())"
        var description = description(extra: extra)
        description.domain = Self.domain(of: task.cachedMeans ?? trainer.model.featuresAndMeans(
            of: task.training.examples.map(\.image), preprocessing: task.preprocessing).means)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try trainer.model.save(to: output, metadata: description.metadata)
        return (record, validation)
    }
}
