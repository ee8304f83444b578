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
    @OptionGroup var recipe: RecipeOptions
    @Option(help: "Training images held out for validation (the last ones of those used).")
    var validation = 0
    @Option(help: "Where to write the fine-tuned weights.")
    var output = "runs/finetune.safetensors"
    @Flag(help: "Train from the seeded initialisation instead of --weights (the baseline to compare with).")
    var fromScratch = false
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard validation >= 0 else { throw ValidationError("--validation must be >= 0") }
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
        recipe.apply(to: &config)
        config.validation = validation
        if !fromScratch {
            config.pretrained = ProjectPaths.resolve(weights)
            config.newHead = [newHead + "."]
        }
        config.freeze = frozenPrefixes
        var training = MNISTRun(config: config, data: data, output: output, checkpoint: runOptions.checkpointPath(for: output),
                                resume: runOptions.resume, quiet: runOptions.quiet, threads: threads)
        training.modelDescription = fromScratch ? "DeepConvNet trained from scratch"
            : "DeepConvNet fine-tuned from \(URL(fileURLWithPath: weights).lastPathComponent)"
        try training.run()
    }
}
