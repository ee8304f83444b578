// `glimpse classify IMAGE...`: the top ImageNet classes of each image, with SqueezeNet 1.1.

import ArgumentParser
import Foundation
import GlimpseModels
import GlimpseImaging
import GlimpseClassification

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
        let classifier: SqueezeNetClassifier
        do {
            classifier = try SqueezeNetClassifier(weights: ProjectPaths.resolve(weights), labels: ProjectPaths.resolve(labels))
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        var failures = 0
        for path in images {
            do {
                let image = try ImageFile.read(path)
                let scores = classifier.classify([image], top: top)[0]
                print("\(path):")
                for score in scores {
                    print(String(format: "  %.4f  %@", score.probability, score.label))
                }
            } catch {
                failures += 1
                printError("error: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
