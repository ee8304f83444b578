// `glimpse train proposer`: a region proposal network (`rpn`) on any labelled source with boxes
// (a scene set, a COCO folder, a VOC folder), validating proposal recall after every epoch.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseDetection
import GlimpseTensor
import GlimpseTraining

/// `glimpse train proposer`
struct TrainProposer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposer",
        abstract: "Train a region proposal network (rpn) on images with boxes, validating proposal recall after every epoch.",
        discussion: """
            --data is a scene set (its train split is trained on and its val split validated on), \
            a split folder, a COCO folder (annotations.json) or a VOC folder (Annotations/). \
            Without a val split, --validation images are held out from the end. The trunk starts \
            from Fast R-CNN's or DeepConvNet's weights (--weights); anchors are --anchor-sizes x \
            --anchor-ratios (height / width) in network-input pixels at every feature-map cell. \
            --trunk tiny trains the RPN's own small trunk (three 3x3 convolutions to stride 4 on the \
            128 px input) from scratch instead. Each step samples --anchors-per-image anchors per image, at most half positive (IoU \
            >= 0.7, or the best anchor of an object), the rest negative (IoU < 0.3). With a \
            fast-rcnn start, its input size and feature layer and --freeze conv, the trunk stays \
            the detector's and the weights say so: a pipeline with both runs it once. A checkpoint \
            is written atomically after every epoch; --resume continues from it and ends with the \
            same weights as an uninterrupted run with the same settings and --threads.
            """)

    @OptionGroup var dataOptions: TrainingDataOptions
    @Option(help: "The trunk: deepconvnet (Fast R-CNN's; starts from --weights) or tiny (the RPN's own three 3x3 convolutions to stride 4, trained from scratch).")
    var trunk = "deepconvnet"
    @Option(help: "The tiny trunk's channels per convolution, comma-separated (three).")
    var trunkWidths = RPNTrunk.tinyWidths.map(String.init).joined(separator: ",")
    @Option(help: "Pretrained weights the trunk starts from (a fast-rcnn detector or DeepConvNet), or 'none' to train from scratch (default: datasets/weights/fast-rcnn-scenes.safetensors; none for the tiny trunk).")
    var weights: String?
    @Option(help: "Network input side in pixels (images are resized to it; default 192, 128 for the tiny trunk).")
    var inputSize: Int?
    @Option(help: "The trunk layer the head reads: relu6 (stride 4) or pool3 (stride 8) of deepconvnet; tiny_relu3 of tiny (default: the last).")
    var featureLayer: String?
    @Option(help: "Channels of the 3x3 convolution (default 64; the last trunk width for the tiny trunk).")
    var hidden: Int?
    @Option(help: "Weight of the box-regression loss against the objectness loss.")
    var boxWeight: Float = 1
    @Option(help: "Anchor sizes (square root of the area, input pixels), comma-separated.")
    var anchorSizes = AnchorGrid.scenes.sizes.map { String(Int($0)) }.joined(separator: ",")
    @Option(help: "Anchor aspect ratios (height / width), comma-separated.")
    var anchorRatios = AnchorGrid.scenes.ratios.map { String($0) }.joined(separator: ",")
    @Option(help: "Anchors sampled per image.")
    var anchorsPerImage = 256
    @Option(help: "Passes over the training images.")
    var epochs = RPNTrainingConfig().epochs
    @Option(help: "Images per step.")
    var imagesPerBatch = 2
    @OptionGroup var recipe: StepRecipeOptions
    @Flag(inversion: .prefixedNo, help: "Subtract the training images' mean colour from the input (a fast-rcnn start keeps its own).")
    var subtractMean = true
    @Option(help: "Proposals per image the validation recall is measured at.")
    var validationProposals = 300
    @Option(help: "Where to write the trained weights (safetensors).")
    var output = "runs/rpn.safetensors"
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    /// The anchors --anchor-sizes and --anchor-ratios give.
    func anchors() throws -> AnchorGrid {
        func list(_ text: String, _ name: String) throws -> [Float] {
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
                throw ValidationError("\(name) must be a comma-separated list of positive numbers")
            }
            return values.map { $0! }
        }
        return AnchorGrid(sizes: try list(anchorSizes, "--anchor-sizes"), ratios: try list(anchorRatios, "--anchor-ratios"))
    }

    /// The trunk --trunk and --trunk-widths name.
    func trunkKind() throws -> RPNTrunk {
        let widths = trunkWidths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count == 3, widths.allSatisfy({ $0 != nil && $0! >= 1 }) else {
            throw ValidationError("--trunk-widths must be three positive channel counts, comma-separated")
        }
        guard let kind = RPNTrunk(name: trunk, widths: widths.map { $0! }) else {
            throw ValidationError("--trunk must be one of \(RPNTrunk.names.joined(separator: ", "))")
        }
        return kind
    }

    func validate() throws {
        _ = try anchors()
        _ = try trunkKind()
    }

    func run() throws {
        let threads = compute.apply()
        try exitOnError {
            var config = RPNTrainingConfig()
            let kind = try trunkKind()
            let weights = self.weights ?? (kind == .deepconvnet ? "datasets/weights/fast-rcnn-scenes.safetensors" : "none")
            config.pretrained = weights == "none" ? nil : ProjectPaths.resolve(weights)
            config.trunk = kind
            (config.inputSize, config.featureLayer, config.anchors) =
                (inputSize ?? kind.defaultInputSize, featureLayer ?? kind.defaultFeatureLayer, try anchors())
            (config.hidden, config.boxWeight) = (hidden ?? (kind == .deepconvnet ? 64 : kind.outputChannels), boxWeight)
            (config.anchorsPerImage, config.epochs, config.imagesPerBatch) = (anchorsPerImage, epochs, imagesPerBatch)
            (config.optimizer, config.learningRate, config.schedule) = (try recipe.optimizer.choice(), recipe.learningRate, recipe.schedule ?? "step")
            (config.warmupEpochs, config.seed, config.subtractMean) = (recipe.warmupEpochs ?? 0, recipe.seed, subtractMean)
            config.freeze = recipe.frozenPrefixes
            config.validationProposals = validationProposals
            try config.validate()

            let progress = ProgressReporter(quiet: runOptions.quiet)
            let sources = try dataOptions.sources()
            let start = ProgressReporter.now()
            let training = try DetectionSet.load(source: sources.train, sourceName: sources.trainName, indices: sources.trainIndices,
                                                 proposer: nil, threads: threads) { done, total in
                progress.update(label: "loading", done: done, total: total,
                                rate: Double(done) / max(1e-9, ProgressReporter.now() - start), fields: "")
            }
            let validation = try sources.val.map {
                try DetectionSet.load(source: $0, sourceName: sources.valName!, indices: Array(0..<$0.count), proposer: nil, threads: threads)
            } ?? DetectionSet.load(source: sources.train, sourceName: sources.trainName, indices: sources.heldOut, proposer: nil, threads: threads)
            let objects = training.examples.reduce(0) { $0 + $1.boxes.count }
            guard objects > 0 else {
                throw TrainingError.badOption("\(sources.trainName): no object boxes in the \(training.examples.count) training images")
            }
            var run = try RPNTraining(config: config, training: training, validation: validation)
            let checkpoint = runOptions.checkpointPath(for: output)
            if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
                progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
            }
            let task = run.trainer.task
            progress.log("training rpn on the \(kind.name) trunk (\(run.trainer.model.parameterCount) parameters, \(config.anchors.perPosition) anchors per cell on a "
                         + "\(task.featureSize)x\(task.featureSize) map) on \(training.examples.count) images (\(objects) objects) from "
                         + "\(sources.trainName), validating recall at \(validationProposals) proposals on \(validation.examples.count); "
                         + "\(run.trainer.optimizer.name), \(threads) thread(s), seed \(recipe.seed)"
                         + (config.pretrained.map { ", trunk from \($0) (\(run.pretrainedLoaded.count) tensors)" } ?? ", from scratch")
                         + (run.sharedTrunk.map { "; the trunk stays the detector's (\($0.weightsDigest)), so a pipeline runs it once for both" } ?? ""))
            let epochs = config.epochs
            let events = progress.trainingEvents(checkpoint: checkpoint, epochs: epochs, stepFields: { state in
                String(format: "loss %.4f cls %.4f box %.4f", state.loss, state.metrics["cls"] ?? 0, state.metrics["box"] ?? 0)
            }, epochLine: { summary in
                let v = summary.validation
                return String(format: "epoch %d/%d  loss %.4f (cls %.4f, box %.4f)  %.1f positives/image  val recall@0.5 %.4f recall@0.7 %.4f AR %.4f  %.1f s",
                              summary.epoch, epochs, summary.loss, summary.metrics["cls"] ?? 0, summary.metrics["box"] ?? 0,
                              summary.metrics["positives"] ?? 0, v["recall50"] ?? 0, v["recall70"] ?? 0, v["AR"] ?? 0, summary.seconds)
            })
            let (record, final) = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume,
                                              output: URL(fileURLWithPath: output),
                                              extraMetadata: commandMetadata(data: dataOptions.data, threads: threads), report: events)
            print(String(format: "validation recall@0.5 %.4f recall@0.7 %.4f AR %.4f at %d proposals after %d epochs, %.0f s of training; weights in %@",
                         final["recall50"] ?? 0, final["recall70"] ?? 0, final["AR"] ?? 0, validationProposals, epochs,
                         record.trainingSeconds, output))
        }
    }
}
