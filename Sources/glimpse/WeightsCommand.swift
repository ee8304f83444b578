// `glimpse weights import`: converts another framework's weights file into Glimpse's names and
// layouts through a mapping table, checks it against the model, and writes safetensors.

import ArgumentParser
import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// `glimpse weights ...`
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: "Work with weights files.", subcommands: [Import.self])

    /// The models weights can be imported for, with the preprocessing their published weights expect.
    static let models: [String: (make: () -> Sequential, preprocessing: [String: String])] = [
        "squeezenet1.1": ({ SqueezeNet.make() }, [
            "preprocess.input_size": "227", "preprocess.resize": "bilinear",
            "preprocess.channel_order": "BGR", "preprocess.mean": ImagePreprocessing.caffeBGRMean.map { "\($0)" }.joined(separator: ","), "preprocess.scale": "1",
        ]),
        "deepconvnet": ({ DeepConvNet.make(seed: 0) }, [
            "preprocess.input_size": "28", "preprocess.channel_order": "gray", "preprocess.scale": "0.00392156862745098",
        ]),
    ]

    /// `glimpse weights import`
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert weights from another framework's names and layouts into Glimpse's.",
            discussion: """
                Every tensor is renamed and re-laid-out by the source's mapping table (keras-hwio: \
                fire2/squeeze1x1/kernel [kH, kW, I, O] -> fire2.squeeze.weight [O, I, kH, kW]; \
                torchvision-squeezenet1.1: features.3.squeeze.weight -> fire2.squeeze.weight; pytorch: \
                names kept), then the whole set is checked against the model: every missing, unexpected \
                or misshapen name is reported. The output holds the model's preprocessing in its metadata.
                """)

        @Option(help: "The source's mapping table: keras-hwio, pytorch or torchvision-squeezenet1.1.")
        var from: String
        @Option(help: "The model: squeezenet1.1 or deepconvnet.")
        var model: String
        @Argument(help: "The source safetensors file.")
        var input: String
        @Argument(help: "The safetensors file to write.")
        var output: String

        func validate() throws {
            guard WeightImportTable.byName[from] != nil else {
                throw ValidationError("--from must be one of \(WeightImportTable.byName.keys.sorted().joined(separator: ", "))")
            }
            guard WeightsCommand.models[model] != nil else {
                throw ValidationError("--model must be one of \(WeightsCommand.models.keys.sorted().joined(separator: ", "))")
            }
        }

        func run() throws {
            do {
                let source = try SafetensorsFile(contentsOf: URL(fileURLWithPath: input))
                let converted = try WeightImportTable.byName[from]!.convert(source)
                let entry = WeightsCommand.models[model]!
                var network = entry.make()
                try network.load(from: SafetensorsFile(
                    tensors: converted.map { SafetensorsTensor(name: $0.key, tensor: $0.value) }, source: input))
                var metadata = entry.preprocessing
                metadata["model"] = model
                metadata["imported_from"] = URL(fileURLWithPath: input).lastPathComponent
                metadata["import_table"] = from
                for (key, value) in source.metadata { metadata["source." + key] = value }
                metadata["layout"] = "PyTorch: conv OIHW, linear [out, in]"
                try network.save(to: URL(fileURLWithPath: output), metadata: metadata)
                print("\(output): \(network.parameterCount) parameters of \(model), from \(input) (\(from))")
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
