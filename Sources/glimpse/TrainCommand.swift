// `glimpse train mnist`: trains the seed text's DeepConvNet on MNIST or Fashion-MNIST.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// `glimpse train ...`
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a network.", subcommands: [TrainMNIST.self, TrainDetector.self, TrainProposer.self, TrainSegmenter.self, TrainCaptioner.self])
}

/// `glimpse train mnist`
struct TrainMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Train DeepConvNet on MNIST (IDX files), checkpointing every epoch.",
        discussion: """
            The last --validation training images are held out to validate on after every epoch; the \
            test set is evaluated once, at the end, and recorded in the weights file's metadata. \
            A checkpoint (weights, the optimizer's name, hyperparameters and state, generator state, \
            epoch, step) is written atomically after every epoch; --resume continues from it and ends \
            with the same weights as an uninterrupted run with the same settings and --threads. \
            Digit augmentation (random shifts and rotations) is on unless --no-augment.
            """)

    @Option(help: "Folder with the four IDX files (MNIST or Fashion-MNIST names, .gz or not).")
    var data = "datasets/mnist"
    @OptionGroup var recipe: RecipeOptions
    @Option(help: "Training images held out for validation (the last ones).")
    var validation = 5000
    @Option(help: "Where to write the trained weights (safetensors).")
    var output = "runs/deepconvnet-mnist.safetensors"
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard validation >= 0 else { throw ValidationError("--validation must be >= 0") }
    }

    func run() throws {
        let threads = compute.apply()
        var config = TrainingConfig()
        config.validation = validation
        try exitOnError {
            try recipe.apply(to: &config)
            let directory = ProjectPaths.resolve(data)
            let trainSet = try MNISTDataset(directory: directory, split: .train)
            let testSet = try MNISTDataset(directory: directory, split: .test)
            try ClassifierRun<MNISTDataset>(config: config, data: data, output: output,
                                            checkpoint: runOptions.checkpointPath(for: output), resume: runOptions.resume,
                                            quiet: runOptions.quiet, threads: threads)
                .run(trainSet: trainSet, testSet: testSet)
        }
    }
}

/// The training recipe both `train mnist` and `finetune` take.
struct RecipeOptions: ParsableArguments {
    @Option(help: "Passes over the training set.")
    var epochs = 20
    @Option(help: "Images per step.")
    var batchSize = 100
    @OptionGroup var optimizer: OptimizerOptions
    @Option(help: "The optimizer's base learning rate.")
    var learningRate: Float = 0.001
    @Option(help: "Learning-rate schedule: constant, cosine or step (x0.1 at 50% and 75% of the steps after warm-up).")
    var schedule = "cosine"
    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmupEpochs = 0
    @Option(help: "Seed for initialisation, data order, augmentation and dropout.")
    var seed: UInt64 = 1
    @Flag(inversion: .prefixedNo, help: """
        Random shifts (±2 px) and rotations (±10°) of training images, made for digits \
        (default: on for gray images, IDX files and folders read by deepconvnet; off for colour photos).
        """)
    var augment: Bool?
    @Flag(help: "Mirror half of the training images left to right (photos; not for digits).")
    var flip = false
    @Option(help: "Random resized crops keeping at least this fraction of a training image's area, e.g. 0.5 (1: off).")
    var cropScale: Float = 1
    @Option(help: "Use only the first N training images.")
    var limit: Int?
    @Option(help: "Drop probability of every dropout layer (default: the architecture's, 0.5 in DeepConvNet; 0: off).")
    var dropout: Float?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard ["constant", "cosine", "step"].contains(schedule) else {
            throw ValidationError("--schedule must be constant, cosine or step")
        }
        guard warmupEpochs >= 0, warmupEpochs < epochs else {
            throw ValidationError("--warmup-epochs must be in 0..<epochs")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard cropScale > 0 && cropScale <= 1 else { throw ValidationError("--crop-scale must be in (0, 1]") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
    }

    /// Copies the recipe into a trainer configuration.
    func apply(to config: inout TrainingConfig) throws {
        config.optimizer = try optimizer.choice()
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.schedule = schedule
        config.warmupEpochs = warmupEpochs
        config.seed = seed
        config.augment = augment
        config.flipProbability = flip ? 0.5 : 0
        config.minimumCropScale = cropScale
        config.limit = limit
        config.dropout = dropout
    }
}

/// Checkpointing and output options both `train mnist` and `finetune` take.
struct RunOptions: ParsableArguments {
    @Option(help: "Checkpoint file (default: the output path with .checkpoint before the extension).")
    var checkpoint: String?
    @Flag(help: "Continue from the checkpoint.")
    var resume = false
    @Flag(help: "No progress output.")
    var quiet = false

    /// The checkpoint file for weights written to `output`.
    func checkpointPath(for output: String) -> String {
        if let checkpoint { return checkpoint }
        let url = URL(fileURLWithPath: output)
        return url.deletingPathExtension().path + ".checkpoint." + (url.pathExtension.isEmpty ? "safetensors" : url.pathExtension)
    }
}

/// One training run as the commands drive it: the library's `Trainer` with progress drawn from its
/// events, then the final test, and the weights with their metadata.
struct ClassifierRun<Data: ClassificationData> {
    var config: TrainingConfig
    /// The data's description for logs and metadata (a folder).
    var data: String
    var output: String
    var checkpoint: String
    var resume: Bool
    var quiet: Bool
    var threads: Int
    /// The model's description in the weights file's metadata.
    var modelDescription = "DeepConvNet (Deep Learning from Scratch, ch08)"
    /// Extra metadata for the weights file (preprocessing, class names).
    var extraMetadata: [String: String] = [:]

    /// Trains on `trainSet`, tests on `testSet` (when given) at the end, writes the weights.
    func run(trainSet: Data, testSet: Data?) throws {
        let progress = ProgressReporter(quiet: quiet)
        var trainer = try ClassifierTrainer(config: config, trainSet: trainSet)
        let outputURL = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !resume && FileManager.default.fileExists(atPath: checkpoint) {
            progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
        }
        progress.log("training \(config.architecture.rawValue) (\(trainer.model.parameterCount) parameters, \(trainSet.classCount) classes)"
                     + " on \(trainer.task.training.count) images from \(data), validating on \(trainer.task.validation?.count ?? 0);"
                     + " \(trainer.optimizer.name), \(threads) thread(s), seed \(config.seed)"
                     + (trainer.metadata["train.augment"] == "true" ? ", digit augmentation" : "")
                     + (config.pretrained.map { ", starting from \($0)" } ?? "")
                     + (config.freeze.isEmpty ? "" : ", frozen: \(config.freeze.joined(separator: ","))"))
        let epochs = config.epochs
        let record = try trainer.run(checkpointFile: URL(fileURLWithPath: checkpoint), resume: resume) { event in
            switch event {
            case .resumed(_, let epoch):
                progress.log("resumed from \(checkpoint) after epoch \(epoch) of \(epochs)")
            case .step(let state):
                progress.update(label: "epoch \(state.epoch)/\(state.epochs)", done: state.done, total: state.total,
                                rate: state.examplesPerSecond,
                                fields: String(format: "loss %.4f acc %.2f%%", state.loss, 100 * (state.metrics["accuracy"] ?? 0)))
            case .epochEnded(let summary):
                let validationText = summary.validationAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a"
                progress.log(String(format: "epoch %d/%d  loss %.4f  train %.2f%%  validation %@  %.1f s (%.0f img/s)",
                                    summary.epoch, epochs, summary.loss, 100 * summary.trainingAccuracy, validationText,
                                    summary.seconds, summary.examplesPerSecond))
            }
        }
        if trainer.communication.steps > 0 {
            let stats = trainer.communication
            progress.log(String(format: "gradient sums over %d ranks: %d steps, %.2f ms per step summing %d floats (%.0f KiB) per rank, %.2f ms per step waiting for the slowest rank",
                                trainer.communicator?.size ?? 1, stats.steps, stats.millisecondsPerStep, stats.floatsPerStep,
                                Double(stats.floatsPerStep * 4) / 1024, stats.waitMillisecondsPerStep))
        }
        let batchSize = config.architecture.evaluationBatchSize
        let test = testSet.map { ClassifierEvaluation.evaluate(trainer.model, on: $0, batchSize: batchSize) }
        let validationAccuracy = trainer.task.validate(trainer.model)["accuracy"]
        var metadata = trainer.metadata.merging(extraMetadata) { a, _ in a }
        metadata["model"] = modelDescription
        metadata["command"] = (["glimpse"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        metadata["data"] = data
        metadata["threads"] = String(threads)
        metadata["test_accuracy"] = test.map { String(format: "%.4f", $0.accuracy) } ?? "n/a"
        metadata["validation_accuracy"] = validationAccuracy.map { String(format: "%.4f", $0) } ?? "n/a"
        metadata["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        metadata["history"] = record.history.joined(separator: ";")
        if metadata["layout"] == nil {
            metadata["layout"] = "PyTorch: conv OIHW, linear [out, in]; input [N, 1, 28, 28] scaled to [0, 1]"
        }
        try trainer.model.save(to: outputURL, metadata: metadata)
        if let test {
            print(String(format: "test accuracy %.2f%% (%d/%d) after %d epochs, %.0f s of training; weights in %@",
                         100 * test.accuracy, test.correct, test.total, config.epochs, record.trainingSeconds, output))
        } else {
            print(String(format: "validation accuracy %@ after %d epochs, %.0f s of training; weights in %@",
                         validationAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a", config.epochs,
                         record.trainingSeconds, output))
        }
    }
}

/// Runs `body`, printing any error as "error: ..." and exiting with status 1.
func exitOnError(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
