// `glimpse classify IMAGE...`: the top ImageNet classes of each image, with SqueezeNet 1.1.

import ArgumentParser
import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// `glimpse classify`
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Print the top ImageNet classes of each image (SqueezeNet 1.1, real ImageNet weights).",
        discussion: """
            The preprocessing (input size, channel order, mean) comes from the weights file's metadata. \
            A file that cannot be read is reported and the rest are classified; the exit status is 1 \
            when any failed.
            """)

    @Argument(help: "PNG or JPEG files.")
    var images: [String]
    @Option(help: "SqueezeNet 1.1 weights (safetensors with preprocess.* metadata).")
    var weights = "datasets/weights/squeezenet1_1.safetensors"
    @Option(help: "Class names, one per line in logit order.")
    var labels = "datasets/weights/imagenet1k_labels.txt"
    @Option(help: "How many classes to print per image.")
    var top = 5
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Give at least one image.") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        compute.apply()
        let model: Sequential, preprocessing: ImagePreprocessing, names: [String]
        do {
            let weightsPath = ProjectPaths.resolve(weights)
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weightsPath))
            preprocessing = try ImagePreprocessing(metadata: file.metadata, source: weightsPath)
            var network = SqueezeNet.make()
            try network.load(from: file)
            model = network
            let labelsPath = ProjectPaths.resolve(labels)
            guard let text = try? String(contentsOfFile: labelsPath, encoding: .utf8) else {
                throw ValidationError("\(labelsPath): cannot read the class names")
            }
            names = text.split(separator: "\n").map { line in
                // "n02124075\tEgyptian cat": keep the name after the WordNet id
                String(line.split(separator: "\t", maxSplits: 1).last ?? line)
            }
            guard names.count == 1000 else {
                throw ValidationError("\(labelsPath): \(names.count) class names, the model has 1000 classes")
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        var failures = 0
        for path in images {
            do {
                let image = try ImageFile.read(path)
                let probabilities = SoftmaxCrossEntropy.softmax(model(preprocessing.tensor(for: image))).scalars
                let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(top)
                print("\(path):")
                for index in ranked {
                    print(String(format: "  %.4f  %@", probabilities[index], names[index]))
                }
            } catch {
                failures += 1
                printError("error: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
