// `glimpse finetune`: transfer learning: start from pretrained weights, give the network a
// new head, freeze what should not move, and train on the new data with warm-up.

import ArgumentParser
import Foundation
import GlimpseData
import GlimpseTraining

/// `glimpse finetune`
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune pretrained DeepConvNet weights on an MNIST-format data set (IDX files).",
        discussion: """
            The head (--new-head, default fc2) starts from a fresh He initialisation; every other \
            parameter starts from --weights. --freeze takes parameter-name prefixes (conv1,conv2) or \
            all-but-head; frozen parameters get no update, and no gradient is computed below the lowest \
            trainable layer. Checkpoints and --resume work as in `glimpse train mnist`. \
            Only IDX data (the MNIST family, for example Debian's dataset-fashion-mnist in \
            /usr/share/datasets/fashion-mnist) is supported so far; folders of class subfolders are not yet.
            """)

    @Option(help: "Pretrained weights (safetensors), e.g. datasets/weights/deepconvnet-mnist.safetensors.")
    var weights = "datasets/weights/deepconvnet-mnist.safetensors"
    @Option(help: "Folder with the four IDX files of the new task.")
    var data: String
    @Option(help: "Parameter-name prefix of the new head, initialised afresh.")
    var newHead = "fc2"
    @Option(help: "Comma-separated parameter-name prefixes to freeze, or all-but-head.")
    var freeze = ""
    @Option(help: "Use only the first N labelled training images.")
    var limit: Int?
    @Option(help: "Passes over the training images.")
    var epochs = 30
    @Option(help: "Images per step.")
    var batchSize = 100
    @Option(help: "Adam's base learning rate.")
    var learningRate: Float = 0.001
    @Option(help: "Learning-rate schedule: constant, cosine or step.")
    var schedule = "cosine"
    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmupEpochs = 1
    @Option(help: "Seed for the new head, data order, augmentation and dropout.")
    var seed: UInt64 = 1
    @Flag(inversion: .prefixedNo, help: "Random shifts and rotations of training images.")
    var augment = true
    @Option(help: "Training images held out for validation (the last ones of those used).")
    var validation = 0
    @Option(help: "Where to write the fine-tuned weights.")
    var output = "runs/finetune.safetensors"
    @Option(help: "Checkpoint file (default: the output path with .checkpoint before the extension).")
    var checkpoint: String?
    @Flag(help: "Continue from the checkpoint.")
    var resume = false
    @Flag(help: "Train from the seeded initialisation instead of --weights (the baseline to compare with).")
    var fromScratch = false
    @Flag(help: "No progress output.")
    var quiet = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard epochs >= 1, batchSize >= 1, learningRate > 0 else {
            throw ValidationError("--epochs, --batch-size and --learning-rate must be positive")
        }
        guard warmupEpochs >= 0, warmupEpochs < epochs, validation >= 0 else {
            throw ValidationError("--warmup-epochs must be in 0..<epochs and --validation >= 0")
        }
        guard !newHead.isEmpty else { throw ValidationError("--new-head needs a parameter-name prefix") }
    }

    /// The frozen prefixes: `all-but-head` expands to every DeepConvNet layer except the head.
    var frozenPrefixes: [String] {
        if freeze == "all-but-head" {
            return ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc1", "fc2"]
                .filter { $0 != newHead }.map { $0 + "." }
        }
        return freeze.split(separator: ",").map { $0.hasSuffix(".") ? String($0) : $0 + "." }
    }

    func run() throws {
        let threads = compute.apply()
        var config = MNISTTrainingConfig()
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.schedule = schedule
        config.warmupEpochs = warmupEpochs
        config.seed = seed
        config.augment = augment
        config.validation = validation
        config.limit = limit
        if !fromScratch {
            config.pretrained = ProjectPaths.resolve(weights)
            config.newHead = [newHead + "."]
        }
        config.freeze = frozenPrefixes
        let url = URL(fileURLWithPath: output)
        let checkpointPath = checkpoint
            ?? url.deletingPathExtension().path + ".checkpoint." + (url.pathExtension.isEmpty ? "safetensors" : url.pathExtension)
        var run = MNISTRun(config: config, data: data, output: output, checkpoint: checkpointPath, resume: resume,
                           quiet: quiet, threads: threads)
        run.modelDescription = fromScratch ? "DeepConvNet trained from scratch"
            : "DeepConvNet fine-tuned from \(URL(fileURLWithPath: weights).lastPathComponent)"
        try run.run()
    }
}
