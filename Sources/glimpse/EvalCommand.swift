// `glimpse eval mnist`: test accuracy and confusion matrix of DeepConvNet weights.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// `glimpse eval ...`
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a network, detections, segmentations or captions.",
        subcommands: [EvalMNIST.self, EvalProposals.self, EvalDetections.self, EvalSegmentation.self, EvalCaptions.self])
}

/// `glimpse eval mnist`
struct EvalMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Test accuracy and confusion matrix of DeepConvNet weights on the 10,000 MNIST test images.",
        discussion: """
            --precision f16 rounds the weights and every layer's activations to Float16 (compute stays \
            Float32) and prints the accuracy change against Float32.
            """)

    @Option(help: "Weights file (safetensors).")
    var weights = "datasets/weights/deepconvnet-mnist.safetensors"
    @Option(help: "Folder with the IDX test files.")
    var data = "datasets/mnist"
    @Option(help: "f32, or f16 for half-precision weights and activations.")
    var precision = "f32"
    @Option(help: "Images per inference batch.")
    var batchSize = 500
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard ["f32", "f16"].contains(precision) else { throw ValidationError("--precision must be f32 or f16") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        compute.apply()
        do {
            let weightsPath = ProjectPaths.resolve(weights)
            let directory = ProjectPaths.resolve(data)
            var model = DeepConvNet.make(seed: 0)
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weightsPath))
            try model.load(from: file)
            let testSet = try MNISTDataset(directory: directory, split: .test)
            let start = ProgressReporter.now()
            let full = ClassifierEvaluation.evaluate(model, on: testSet)
            let seconds = ProgressReporter.now() - start
            print("weights: \(weightsPath)")
            if let trained = file.metadata["command"] { print("trained by: \(trained)") }
            print("test set: \(directory) (\(testSet.count) images), \(String(format: "%.0f", Double(testSet.count) / seconds)) images/s")
            print(String(format: "float32 accuracy: %.2f%% (%d/%d)", 100 * full.accuracy, full.correct, full.total))
            var shown = full
            if precision == "f16" {
                let half = ClassifierEvaluation.evaluate(model.roundedToHalf(), on: testSet, halfPrecisionActivations: true)
                let changed = zip(full.predictions, half.predictions).filter { $0 != $1 }.count
                print(String(format: "float16 accuracy: %.2f%% (%d/%d), change %+.2f points; %d of %d predictions differ from float32",
                             100 * half.accuracy, half.correct, half.total, 100 * (half.accuracy - full.accuracy),
                             changed, full.total))
                shown = half
            }
            print("confusion matrix (\(precision)):")
            print(shown.formattedConfusion())
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
