// `glimpse weights import`: converts another framework's weights file into Glimpse's names and
// layouts through a mapping table, checks it against the model, and writes safetensors.

import ArgumentParser
import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// `glimpse weights ...`
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: "Work with weights files.", subcommands: [Import.self])

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
        @Option(help: "The model: \(Architecture.names.joined(separator: ", ")).")
        var model: String
        @Argument(help: "The source safetensors file.")
        var input: String
        @Argument(help: "The safetensors file to write.")
        var output: String

        func validate() throws {
            guard WeightImportTable.byName[from] != nil else {
                throw ValidationError("--from must be one of \(WeightImportTable.byName.keys.sorted().joined(separator: ", "))")
            }
            guard Architecture(name: model) != nil else {
                throw ValidationError("--model must be one of \(Architecture.names.joined(separator: ", "))")
            }
        }

        func run() throws {
            do {
                let source = try SafetensorsFile(contentsOf: URL(fileURLWithPath: input))
                let converted = try WeightImportTable.byName[from]!.convert(source)
                let architecture = Architecture(name: model)!
                var network = architecture.make(classes: architecture.defaultClasses, seed: 0)
                try network.load(converted, source: input)
                var metadata = architecture.defaultPreprocessing.metadata
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
