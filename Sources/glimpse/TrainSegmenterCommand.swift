// `glimpse train segmenter`: FCN-32s, -16s or -8s on any labelled source with label maps (a
// scene set, a VOC folder with SegmentationClass, a COCO folder with label maps), or with
// --trunk the trunk-fcn head on a detector's frozen trunk.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseSegmentation
import GlimpseTensor
import GlimpseTraining

/// `glimpse train segmenter`
struct TrainSegmenter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segmenter",
        abstract: "Train an FCN segmenter (fcn-32s, fcn-16s, fcn-8s) on images with label maps, validating mIoU after every epoch.",
        discussion: """
            --data is a scene set (its train split is trained on and its val split validated on), \
            a split folder, a VOC folder (SegmentationClass/) or a COCO folder with label maps. \
            Without a val split, --validation images are held out from the end. The network starts \
            from DeepConvNet's MNIST weights, convolutionalised (--weights), or, as in the paper's \
            staged training, from the next coarser FCN (--init: fcn-16s from fcn-32s, fcn-8s from \
            fcn-16s). A checkpoint is written atomically after every epoch; --resume continues from \
            it and ends with the same weights as an uninterrupted run with the same settings and --threads. \
            --trunk DETECTOR trains the trunk-fcn head instead (--net, --weights, --init, --input-size \
            and --subtract-mean unused): a 3x3 convolution and 1x1 scores on the detector's frozen relu6, \
            so that a pipeline with that detector runs its trunk once for both.
            """)

    @OptionGroup var dataOptions: TrainingDataOptions
    @Option(help: "The net: fcn-32s, fcn-16s or fcn-8s.")
    var net = "fcn-32s"
    @Option(help: "Pretrained DeepConvNet weights the trunk and fc1 start from, or 'none' (ignored with --init).")
    var weights = "datasets/weights/deepconvnet-mnist.safetensors"
    @Option(name: .customLong("init"), help: "Start from this coarser FCN's weights (fcn-16s from fcn-32s, fcn-8s from fcn-16s).")
    var initFrom: String?
    @Option(help: "Fast R-CNN or Faster R-CNN weights whose frozen trunk the trunk-fcn head is trained on (instead of an FCN).")
    var trunk: String?
    @Option(help: "Units of the trunk-fcn head's 3x3 convolution (with --trunk).")
    var hidden = 64
    @Option(help: "Training images are resized to this side when they are not already (scenes: 128).")
    var inputSize = 128
    @Option(help: "Resample images by this factor before the network (stored in the weights; default: the --init file's, or 1).")
    var inputScale: Double?
    @Option(help: "Dropout probability after fc1 in training.")
    var dropout: Float = 0
    @Option(help: "Passes over the training images.")
    var epochs = 8
    @Option(help: "Images per step.")
    var imagesPerBatch = 8
    @OptionGroup var recipe: StepRecipeOptions
    @Flag(inversion: .prefixedNo, help: "Subtract the training images' mean colour from the input.")
    var subtractMean = true
    @Option(help: "Where to write the trained weights (safetensors; default runs/NET.safetensors).")
    var output: String?
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard FCNVariant(rawValue: net) != nil else { throw ValidationError("--net \(net): one of \(FCNVariant.names)") }
    }

    func run() throws {
        let threads = compute.apply()
        try exitOnError {
            var config = SegmenterTrainingConfig()
            config.variant = FCNVariant(rawValue: net)!
            config.pretrained = weights == "none" ? nil : ProjectPaths.resolve(weights)
            config.initFrom = initFrom.map(ProjectPaths.resolve)
            (config.inputSize, config.dropout, config.epochs, config.imagesPerBatch) = (inputSize, dropout, epochs, imagesPerBatch)
            (config.learningRate, config.schedule) = (recipe.learningRate, recipe.schedule ?? "cosine")
            (config.warmupEpochs, config.seed) = (recipe.warmupEpochs ?? 0, recipe.seed)
            config.optimizer = try recipe.optimizer.choice()
            config.freeze = recipe.frozenPrefixes
            config.subtractMean = subtractMean
            config.inputScale = inputScale
            config.trunk = trunk.map(ProjectPaths.resolve)
            if trunk != nil { config.hidden = hidden }
            try config.validate()
            if trunk == nil && config.variant.coarser != nil && config.initFrom == nil {
                printError("note: \(net) starts from DeepConvNet, not from a trained \(config.variant.coarser!.rawValue)"
                           + " (the paper's staged training: --init runs/\(config.variant.coarser!.rawValue).safetensors)")
            }

            let progress = ProgressReporter(quiet: runOptions.quiet)
            let sources = try dataOptions.sources()
            let (trainSource, trainName) = (sources.train, sources.trainName)
            let start = ProgressReporter.now()
            let training = try SegmentationSet.load(source: trainSource, sourceName: trainName, indices: sources.trainIndices) { done, total in
                progress.update(label: "loading", done: done, total: total, rate: Double(done) / max(1e-9, ProgressReporter.now() - start), fields: "")
            }
            let validationSet = try sources.val.map {
                try SegmentationSet.load(source: $0, sourceName: sources.valName!, indices: Array(0..<$0.count), classes: training.classes)
            } ?? SegmentationSet.load(source: trainSource, sourceName: trainName, indices: sources.heldOut, classes: training.classes)
            progress.log(String(format: "loaded %d + %d images with label maps in %.1f s", training.examples.count,
                                validationSet.examples.count, ProgressReporter.now() - start))

            if config.trunk != nil {
                try trainTrunkHead(config: config, training: training, validation: validationSet, progress: progress, threads: threads)
                return
            }
            var run = try FCNTraining(config: config, training: training, validation: validationSet)
            let output = self.output ?? "runs/\(net).safetensors"
            let checkpoint = runOptions.checkpointPath(for: output)
            if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
                progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
            }
            progress.log("training \(net) (\(run.trainer.model.parameterCount) parameters, \(training.classes.count) classes) on"
                         + " \(training.examples.count) images from \(trainName), validating on \(validationSet.examples.count);"
                         + " \(run.trainer.optimizer.name), \(threads) thread(s), seed \(recipe.seed)"
                         + (config.initFrom.map { ", from \($0)" } ?? config.pretrained.map { ", trunk and fc1 from \($0)" } ?? ", from scratch"))
            if !run.pretrainedLoaded.isEmpty {
                progress.log("loaded \(run.pretrainedLoaded.count) tensors: " + run.pretrainedLoaded.joined(separator: ", "))
            }
            let epochs = config.epochs
            let events = progress.trainingEvents(checkpoint: checkpoint, epochs: epochs, stepFields: { state in
                String(format: "loss %.4f acc %.4f", state.loss, state.metrics["accuracy"] ?? 0)
            }, epochLine: { summary in
                let v = summary.validation
                return String(format: "epoch %d/%d  loss %.4f  pixel acc %.4f  val pixel acc %.4f mean acc %.4f mIoU %.4f fwIoU %.4f  %.1f s",
                              summary.epoch, epochs, summary.loss, summary.metrics["accuracy"] ?? 0, v["pixel_accuracy"] ?? 0,
                              v["mean_accuracy"] ?? 0, v["mIoU"] ?? 0, v["fwIoU"] ?? 0, summary.seconds)
            })
            let (record, final) = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume,
                                              output: URL(fileURLWithPath: output),
                                              extraMetadata: commandMetadata(data: dataOptions.data, threads: threads), report: events)
            print(String(format: "validation pixel acc %.4f mean acc %.4f mIoU %.4f fwIoU %.4f after %d epochs, %.0f s of training; weights in %@",
                         final["pixel_accuracy"] ?? 0, final["mean_accuracy"] ?? 0, final["mIoU"] ?? 0, final["fwIoU"] ?? 0, epochs,
                         record.trainingSeconds, output))
        }
    }

    /// The trunk-fcn head on `config.trunk`'s frozen trunk (its maps computed once), as `run` trains an FCN.
    func trainTrunkHead(config: SegmenterTrainingConfig, training: SegmentationSet, validation: SegmentationSet,
                        progress: ProgressReporter, threads: Int) throws {
        let start = ProgressReporter.now()
        var run = try TrunkFCNTraining(config: config, training: training, validation: validation) { done, total in
            progress.update(label: "trunk maps", done: done, total: total, rate: Double(done) / max(1e-9, ProgressReporter.now() - start), fields: "")
        }
        progress.log(String(format: "trunk maps of %d + %d images in %.1f s", training.examples.count, validation.examples.count,
                            ProgressReporter.now() - start))
        let output = self.output ?? "runs/trunk-fcn.safetensors"
        let checkpoint = runOptions.checkpointPath(for: output)
        if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
            progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
        }
        progress.log("training trunk-fcn (\(run.trainer.model.parameterCount) parameters, \(training.classes.count) classes) on the frozen trunk of"
                     + " \(run.identity.weightsFile), \(training.examples.count) images, validating on \(validation.examples.count);"
                     + " \(run.trainer.optimizer.name), \(threads) thread(s), seed \(recipe.seed)")
        let epochs = config.epochs
        let events = progress.trainingEvents(checkpoint: checkpoint, epochs: epochs, stepFields: { state in
            String(format: "loss %.4f acc %.4f", state.loss, state.metrics["accuracy"] ?? 0)
        }, epochLine: { summary in
            let v = summary.validation
            return String(format: "epoch %d/%d  loss %.4f  cell acc %.4f  val pixel acc %.4f mean acc %.4f mIoU %.4f fwIoU %.4f  %.1f s",
                          summary.epoch, epochs, summary.loss, summary.metrics["accuracy"] ?? 0, v["pixel_accuracy"] ?? 0,
                          v["mean_accuracy"] ?? 0, v["mIoU"] ?? 0, v["fwIoU"] ?? 0, summary.seconds)
        })
        let (record, final) = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume,
                                          output: URL(fileURLWithPath: output),
                                          extraMetadata: commandMetadata(data: dataOptions.data, threads: threads), report: events)
        print(String(format: "validation pixel acc %.4f mean acc %.4f mIoU %.4f fwIoU %.4f after %d epochs, %.0f s of training; weights in %@",
                     final["pixel_accuracy"] ?? 0, final["mean_accuracy"] ?? 0, final["mIoU"] ?? 0, final["fwIoU"] ?? 0, epochs,
                     record.trainingSeconds, output))
    }
}
