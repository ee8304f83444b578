// `glimpse finetune`: transfer learning: start from pretrained weights, give the network a
// new head, freeze what should not move, and train on the new data with warm-up.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseModels
import GlimpseSerialization
import GlimpseTraining

/// `glimpse finetune`
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune pretrained weights (DeepConvNet or SqueezeNet 1.1) on a folder of class subfolders or on IDX files.",
        discussion: """
            --data is either a folder with one subfolder per class (DIR/cat/1.jpg, DIR/dog/2.png; images \
            recognised by content, other files skipped, broken images listed and left out) or a folder \
            with the four IDX files of the MNIST family (DeepConvNet only). Images are resized to the \
            network's input with the preprocessing stored in the weights file (or the architecture's). \
            The head (--new-head, default fc2 or conv10) starts from a fresh initialisation with one \
            output per class; every other parameter starts from --weights. --freeze takes \
            parameter-name prefixes (conv1,fire2) or all-but-head; frozen parameters get no update, \
            and no gradient is computed below the lowest trainable layer; a prefix that matches no \
            parameter is an error. A class folder set needs at least two classes, an image in \
            every class and class names without control characters. Digit augmentation \
            (--augment: shifts and rotations) is on by default for gray images (IDX files, folders \
            read by deepconvnet) and off for colour photos (squeezenet), which take --flip and \
            --crop-scale instead. --optimizer picks the update rule (default adam). Checkpoints and \
            --resume work as in `glimpse train mnist`.
            """)

    @Option(help: "Network: deepconvnet or squeezenet.")
    var model = "deepconvnet"
    @Option(help: "Pretrained weights (default: the shipped weights of --model).")
    var weights: String?
    @Option(help: "Training data: a folder of class subfolders, or a folder with the four IDX files.")
    var data: String
    @Option(help: "Test folder of class subfolders (same class names), evaluated once at the end.")
    var test: String?
    @Option(help: "Parameter-name prefix of the new head, initialised afresh (default: fc2 or conv10).")
    var newHead: String?
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

    var architecture: Architecture { Architecture(rawValue: model)! }
    var head: String { newHead ?? architecture.head }
    var weightsPath: String {
        weights ?? (architecture == .deepconvnet ? "datasets/weights/deepconvnet-mnist.safetensors"
                                                 : "datasets/weights/squeezenet1_1.safetensors")
    }

    func validate() throws {
        guard Architecture(rawValue: model) != nil else {
            throw ValidationError("--model must be one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard validation >= 0 else { throw ValidationError("--validation must be >= 0") }
        guard !head.isEmpty else { throw ValidationError("--new-head needs a parameter-name prefix") }
    }

    /// The frozen prefixes: `all-but-head` expands to every parameter layer except the head.
    var frozenPrefixes: [String] {
        if freeze == "all-but-head" {
            return architecture.parameterLayers.filter { $0 != head }.map { $0 + "." }
        }
        return freeze.split(separator: ",").map { $0.hasSuffix(".") ? String($0) : $0 + "." }
    }

    func run() throws {
        let threads = compute.apply()
        var config = TrainingConfig()
        config.architecture = architecture
        config.validation = validation
        let pretrained = ProjectPaths.resolve(weightsPath)
        if !fromScratch {
            config.pretrained = pretrained
            config.newHead = [head + "."]
        }
        config.freeze = frozenPrefixes
        let description = (fromScratch ? "\(model) trained from scratch"
                                       : "\(model) fine-tuned from \(URL(fileURLWithPath: pretrained).lastPathComponent)")
        try exitOnError {
            try recipe.apply(to: &config)
            let directory = ProjectPaths.resolve(data)
            var training = ClassifierRun<MNISTDataset>(
                config: config, data: data, output: output, checkpoint: runOptions.checkpointPath(for: output),
                resume: runOptions.resume, quiet: runOptions.quiet, threads: threads)
            training.modelDescription = description
            if Self.holdsIDXFiles(directory) {
                guard architecture == .deepconvnet else {
                    throw ValidationError("\(directory): IDX images are 28x28 gray, made for deepconvnet; give \(model) a folder of class subfolders")
                }
                guard test == nil else { throw ValidationError("--test is for class folders; IDX data is tested on its own test split") }
                try training.run(trainSet: MNISTDataset(directory: directory, split: .train),
                                 testSet: MNISTDataset(directory: directory, split: .test))
                return
            }
            try runOnFolders(directory: directory, config: config, description: description, pretrained: pretrained,
                             threads: threads)
        }
    }

    /// Fine-tuning on a folder of class subfolders (and an optional test folder with the same classes).
    func runOnFolders(directory: String, config: TrainingConfig, description: String, pretrained: String,
                      threads: Int) throws {
        // The weights file states its input; without it, the architecture's default.
        var preprocessing = architecture.defaultPreprocessing
        if FileManager.default.fileExists(atPath: pretrained) {
            let metadata = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained)).metadata
            if metadata["preprocess.input_size"] != nil {
                preprocessing = try ImagePreprocessing(metadata: metadata, source: pretrained)
            }
        }
        let progress = ProgressReporter(quiet: runOptions.quiet)
        let start = ProgressReporter.now()
        let trainSet = try ImageFolderDataset(directory: directory, preprocessing: preprocessing)
        Self.report(trainSet, progress: progress)
        let testSet = try test.map {
            try ImageFolderDataset(directory: ProjectPaths.resolve($0), preprocessing: preprocessing, classNames: trainSet.classNames)
        }
        if let testSet { Self.report(testSet, progress: progress) }
        progress.log(String(format: "decoded and resized in %.1f s", ProgressReporter.now() - start))
        var training = ClassifierRun<ImageFolderDataset>(
            config: config, data: data, output: output, checkpoint: runOptions.checkpointPath(for: output),
            resume: runOptions.resume, quiet: runOptions.quiet, threads: threads)
        training.modelDescription = description
        training.extraMetadata = preprocessing.metadata.merging([
            "classes": trainSet.classNames.joined(separator: "\n"),
            "layout": "PyTorch: conv OIHW, linear [out, in]; input [N, \(preprocessing.channels), \(preprocessing.inputSize), "
                + "\(preprocessing.inputSize)] made by the preprocess.* keys",
        ]) { a, _ in a }
        try training.run(trainSet: trainSet, testSet: testSet)
    }

    /// Logs what a folder held: images per class, skipped files, broken images.
    static func report(_ set: ImageFolderDataset, progress: ProgressReporter) {
        let perClass = set.classNames.indices.map { label in set.labels.filter { $0 == label }.count }
        progress.log("\(set.directory): \(set.count) images in \(set.classCount) classes ("
                     + zip(set.classNames, perClass).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
                     + (set.skipped.isEmpty ? "" : ", \(set.skipped.count) non-image files skipped"))
        for failure in set.failures { progress.log("skipped broken image: \(failure)") }
    }

    /// Whether `directory` holds MNIST-family IDX files (the training images under any known name).
    static func holdsIDXFiles(_ directory: String) -> Bool {
        MNISTDataset.candidateFileNames(for: .train).images.contains {
            FileManager.default.fileExists(atPath: directory + "/" + $0)
        }
    }
}
