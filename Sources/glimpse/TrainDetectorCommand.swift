// `glimpse train detector`: R-CNN, Fast R-CNN or Faster R-CNN on any labelled source with boxes
// (a scene set, a COCO folder, a VOC folder); R-CNN's and Fast R-CNN's proposals from selective
// search computed once per run, Faster R-CNN's from its own RPN in every step.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseDetection
import GlimpseProposals
import GlimpseTensor
import GlimpseTraining

/// `glimpse train detector`
struct TrainDetector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Train a detector (rcnn, fast-rcnn or faster-rcnn) on images with boxes, validating AP after every epoch.",
        discussion: """
            --data is a scene set (its train split is trained on and its val split validated on), \
            a split folder, a COCO folder (annotations.json) or a VOC folder (Annotations/). \
            Without a val split, --validation images are held out from the end. Selective-search \
            proposals are computed once, before the first epoch. A checkpoint is written atomically \
            after every epoch; --resume continues from it and ends with the same weights as an \
            uninterrupted run with the same settings and --threads. \
            R-CNN (--method rcnn) fine-tunes on 28 px context-padded warps of every proposal \
            (--input-size and --images-per-batch do not apply; an epoch is --batches-per-epoch \
            mini-batches of 128 windows), then computes every training region's features once \
            and trains per-class SVMs with hard-negative mining and ridge box regressors; it \
            reports validation AP with SVMs or the softmax, with and without box regression. \
            Faster R-CNN (--method faster-rcnn) trains the trunk, the region proposal network's \
            head and the Fast R-CNN head jointly (approximate joint training: both losses, RoIs \
            sampled from the current RPN's --max-proposals proposals, treated as constants); \
            no selective search. --weights starts the trunk and detection head (a fast-rcnn \
            file), --proposer-weights the RPN head and its anchors (an rpn file).
            """)

    @OptionGroup var dataOptions: TrainingDataOptions
    @Option(help: "Detector: fast-rcnn, rcnn or faster-rcnn.")
    var method = "fast-rcnn"
    @Option(help: "Trunk architecture: deepconvnet (MNIST-pretrained digits network, in colour).")
    var backbone = "deepconvnet"
    @Option(help: "Pretrained weights the trunk starts from, or 'none' to train from scratch.")
    var weights = "datasets/weights/deepconvnet-mnist.safetensors"
    @Option(help: "Fast R-CNN: network input side in pixels (images are resized to it).")
    var inputSize = 192
    @Option(help: "Fast R-CNN: the trunk layer RoIs are pooled from: relu6 (stride 4) or pool3 (stride 8, DeepConvNet's own).")
    var featureLayer = "relu6"
    @Option(help: "Units of fc1 (default 256 for fast-rcnn, 50 for rcnn; 50 loads DeepConvNet's fc1, other widths start fresh).")
    var hidden: Int?
    @Option(help: "Fast R-CNN: dropout probability after fc1 in training (R-CNN's region network uses 0.5).")
    var dropout: Float = 0
    @Option(help: "Passes over the training images.")
    var epochs = 10
    @Option(help: "Images per step.")
    var imagesPerBatch = 2
    @Option(help: "RoIs sampled per image (a quarter foreground by default).")
    var roisPerImage = 64
    @Option(help: "Share of foreground RoIs.")
    var foregroundFraction = 0.25
    @Option(help: "Background RoIs have IoU in [this, 0.5) with every object (Fast R-CNN: 0.1).")
    var backgroundLow = 0.0
    @Option(help: "Selective search proposals per image (fast mode); Faster R-CNN: the RPN's proposals per image in training.")
    var maxProposals = 2000
    @Option(help: "Faster R-CNN: an rpn weights file the RPN head and anchors start from, or 'none' (a fresh head, the scenes' anchors).")
    var proposerWeights = "datasets/weights/rpn-scenes.safetensors"
    @Option(help: "Faster R-CNN: the RPN's proposals per image in validation.")
    var testProposals = 300
    @OptionGroup var recipe: StepRecipeOptions
    @Flag(inversion: .prefixedNo, help: "Start the scores of classes the pretrained classifier knows by name (MNIST's digits) from its rows (needs --hidden 50).")
    var transferClassifier = true
    @Flag(inversion: .prefixedNo, help: "Subtract the training images' mean colour from the trunk's input.")
    var subtractMean = true
    @Option(help: "R-CNN: fine-tuning mini-batches (of 128 windows) per epoch (default: enough to draw every foreground window once).")
    var batchesPerEpoch: Int?
    @Option(help: "R-CNN: validation images for the softmax AP after each fine-tuning epoch (default all; 0: none).")
    var finetuneValidation: Int?
    @Option(help: "R-CNN: the SVMs' C (liblinear -c).")
    var svmC = RCNNSettings().svmC
    @Option(help: "R-CNN: rounds of SVM training with hard-negative mining.")
    var miningRounds = RCNNSettings().miningRounds
    @Option(help: "R-CNN: the box regressors' ridge lambda.")
    var ridgeLambda = RCNNSettings().ridgeLambda
    @Option(help: "Where to write the trained weights (safetensors; default runs/METHOD.safetensors).")
    var output: String?
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard ["fast-rcnn", "rcnn", "faster-rcnn"].contains(method) else { throw ValidationError("--method \(method): fast-rcnn, rcnn or faster-rcnn") }
        guard backbone == "deepconvnet" else {
            throw ValidationError("--backbone \(backbone): only deepconvnet is supported as a detector trunk so far")
        }
    }

    func run() throws {
        let threads = compute.apply()
        try exitOnError {
            var config = DetectorTrainingConfig()
            config.method = method
            config.pretrained = weights == "none" ? nil : ProjectPaths.resolve(weights)
            (config.inputSize, config.hidden, config.epochs, config.imagesPerBatch) = (inputSize, hidden ?? (method == "rcnn" ? 50 : 256), epochs, imagesPerBatch)
            (config.roisPerImage, config.foregroundFraction, config.backgroundLow) = (roisPerImage, foregroundFraction, backgroundLow)
            (config.maxProposals, config.learningRate, config.schedule) = (maxProposals, recipe.learningRate, recipe.schedule ?? "step")
            (config.warmupEpochs, config.seed) = (recipe.warmupEpochs ?? min(1, epochs - 1), recipe.seed)
            config.optimizer = try recipe.optimizer.choice()
            config.transferClassifier = transferClassifier
            config.dropout = dropout
            config.subtractMean = subtractMean
            config.featureLayer = featureLayer
            config.freeze = recipe.frozenPrefixes
            config.proposals = "selective-search mode=fast max=\(maxProposals)"
            let joint = method == FasterRCNNDetector.conformanceName
            if joint {
                config.proposals = "rpn (own head) max=\(maxProposals)"
                config.proposerWeights = proposerWeights == "none" ? nil : ProjectPaths.resolve(proposerWeights)
                (config.trainingProposals, config.testProposals) = (maxProposals, testProposals)
            }
            try config.validate()

            let progress = ProgressReporter(quiet: runOptions.quiet)
            let sources = try dataOptions.sources()
            let (trainSource, trainName, valSource, valName) = (sources.train, sources.trainName, sources.val, sources.valName)
            let (trainIndices, valIndices) = (sources.trainIndices, sources.heldOut)
            // Proposals: one image per thread, selective search itself on one thread.
            // Faster R-CNN proposes with its own RPN, in every step.
            let proposer = joint ? nil : SelectiveSearch(parameters: SelectiveSearchParameters(mode: .fast, maxProposals: maxProposals, threads: 1))
            let start = ProgressReporter.now()
            let training = try DetectionSet.load(source: trainSource, sourceName: trainName, indices: trainIndices,
                                                 proposer: proposer, threads: threads) { done, total in
                progress.update(label: joint ? "images (train)" : "proposals (train)", done: done, total: total,
                                rate: Double(done) / max(1e-9, ProgressReporter.now() - start), fields: "")
            }
            let validationSet: DetectionSet
            if let valSource {
                validationSet = try DetectionSet.load(source: valSource, sourceName: valName!, indices: Array(0..<valSource.count),
                                                      proposer: proposer, threads: threads)
            } else {
                validationSet = try DetectionSet.load(source: trainSource, sourceName: trainName, indices: valIndices,
                                                      proposer: proposer, threads: threads)
            }
            guard validationSet.categoryIDs == training.categoryIDs else {
                throw TrainingError.badOption("\(valName ?? trainName) has other classes than \(trainName)")
            }
            let objects = training.examples.reduce(0) { $0 + $1.boxes.count }
            guard objects > 0 else {
                throw TrainingError.badOption("\(trainName): no object boxes in the \(training.examples.count) training images")
            }
            if joint {
                progress.log(String(format: "%d + %d images loaded in %.1f s", training.examples.count, validationSet.examples.count,
                                    ProgressReporter.now() - start))
            } else {
                progress.log(String(format: "proposals for %d + %d images in %.1f s (%.0f per image)", training.examples.count,
                                    validationSet.examples.count, ProgressReporter.now() - start,
                                    Double(training.examples.reduce(0) { $0 + $1.proposals.count }) / Double(training.examples.count)))
            }

            let output = self.output ?? "runs/\(method).safetensors"
            if method == RCNNDetector.conformanceName {
                try trainRCNN(config: config, training: training, validation: validationSet, trainName: trainName, objects: objects,
                              threads: threads, output: output, progress: progress)
                return
            }
            if joint {
                var run = try FasterRCNNTraining(config: config, training: training, validation: validationSet)
                try trainEndToEnd(&run, config: config, training: training, validation: validationSet, trainName: trainName, objects: objects,
                                  threads: threads, output: output, progress: progress)
            } else {
                var run = try FastRCNNTraining(config: config, training: training, validation: validationSet)
                try trainEndToEnd(&run, config: config, training: training, validation: validationSet, trainName: trainName, objects: objects,
                                  threads: threads, output: output, progress: progress)
            }
        }
    }

    /// Fast R-CNN or Faster R-CNN: the trainer's epochs with progress, validation AP, checkpoints and resume, then the weights.
    func trainEndToEnd<Run: EndToEndDetectorTraining>(_ run: inout Run, config: DetectorTrainingConfig, training: DetectionSet,
                                                      validation validationSet: DetectionSet, trainName: String, objects: Int, threads: Int,
                                                      output: String, progress: ProgressReporter) throws {
        let outputURL = URL(fileURLWithPath: output)
        let checkpoint = runOptions.checkpointPath(for: output)
        if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
            progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
        }
        progress.log("training \(config.method) (\(run.trainer.model.parameterCount) parameters, \(training.categories.count) classes)"
                     + " on \(training.examples.count) images (\(objects) objects) from \(trainName), validating on"
                     + " \(validationSet.examples.count); \(run.trainer.optimizer.name), \(threads) thread(s), seed \(recipe.seed)"
                     + (config.pretrained.map { ", trunk from \($0)" } ?? ", from scratch")
                     + (config.method == FasterRCNNDetector.conformanceName ? (config.proposerWeights.map { ", RPN head from \($0)" } ?? ", fresh RPN head") : ""))
        if config.pretrained != nil {
            let loaded = run.pretrainedLoaded
            progress.log("loaded \(loaded.count) pretrained tensors: " + loaded.joined(separator: ", ")
                         + (config.transferClassifier && !loaded.contains("cls_score.weight")
                            ? "; cls_score starts fresh (the classifier rows transfer only with --hidden 50, the pretrained fc1's width)" : ""))
        }
        let epochs = config.epochs
        let events = progress.trainingEvents(checkpoint: checkpoint, epochs: epochs, stepFields: { state in
            String(format: "loss %.4f cls %.4f box %.4f", state.loss, state.metrics["cls"] ?? 0, state.metrics["box"] ?? 0)
                + (state.metrics["rpn_cls"].map { String(format: " rpn %.4f/%.4f", $0, state.metrics["rpn_box"] ?? 0) } ?? "")
        }, epochLine: { summary in
            let v = summary.validation
            let rpn = summary.metrics["rpn_cls"].map { String(format: ", rpn cls %.4f, rpn box %.4f", $0, summary.metrics["rpn_box"] ?? 0) } ?? ""
            return String(format: "epoch %d/%d  loss %.4f (cls %.4f, box %.4f%@)  RoI acc %.3f  val AP %.4f AP50 %.4f AP75 %.4f  %.1f s",
                          summary.epoch, epochs, summary.loss, summary.metrics["cls"] ?? 0, summary.metrics["box"] ?? 0, rpn,
                          summary.metrics["accuracy"] ?? 0, v["AP"] ?? 0, v["AP50"] ?? 0, v["AP75"] ?? 0, summary.seconds)
        })
        let record = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume, output: outputURL,
                                 extraMetadata: commandMetadata(data: dataOptions.data, threads: threads), report: events)
        let final = run.trainer.task.validate(run.trainer.model)
        print(String(format: "validation AP %.4f AP50 %.4f AP75 %.4f after %d epochs, %.0f s of training; weights in %@",
                     final["AP"] ?? 0, final["AP50"] ?? 0, final["AP75"] ?? 0, epochs, record.trainingSeconds, output))
    }

    /// R-CNN: fine-tuning with the trainer's checkpoints, then SVMs and regressors, then the validation variants.
    func trainRCNN(config: DetectorTrainingConfig, training: DetectionSet, validation: DetectionSet, trainName: String, objects: Int,
                   threads: Int, output: String, progress: ProgressReporter) throws {
        var settings = RCNNSettings()
        (settings.batchesPerEpoch, settings.fineTuneValidationImages) = (batchesPerEpoch, finetuneValidation)
        (settings.svmC, settings.miningRounds, settings.ridgeLambda) = (svmC, miningRounds, ridgeLambda)
        var run = try RCNNTraining(config: config, settings: settings, training: training, validation: validation)
        let checkpoint = runOptions.checkpointPath(for: output)
        if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
            progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
        }
        let task = run.trainer.task
        progress.log("fine-tuning rcnn (\(run.trainer.model.parameterCount) parameters, \(training.categories.count) classes) on"
                     + " \(task.foreground.count) foreground + \(task.background.count) background windows of \(training.examples.count) images"
                     + " (\(objects) objects) from \(trainName), \(task.batchesPerEpoch) batches of \(task.windowsPerBatch) per epoch;"
                     + " \(run.trainer.optimizer.name), \(threads) thread(s), seed \(config.seed)"
                     + (config.pretrained.map { ", from \($0)" } ?? ", from scratch"))
        let epochs = config.epochs
        let outcome = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume, output: URL(fileURLWithPath: output),
                                  extraMetadata: commandMetadata(data: dataOptions.data, threads: threads),
                                  log: { progress.log($0) }) { event in
            switch event {
            case .resumed(_, let epoch):
                progress.log("resumed from \(checkpoint) after epoch \(epoch) of \(epochs)")
            case .step(let state):
                progress.update(label: "epoch \(state.epoch)/\(state.epochs)", done: state.done, total: state.total,
                                rate: state.examplesPerSecond,
                                fields: String(format: "loss %.4f acc %.3f", state.loss, state.metrics["accuracy"] ?? 0))
            case .epochEnded(let summary):
                let v = summary.validation
                progress.log(String(format: "epoch %d/%d  loss %.4f  window acc %.3f  softmax val AP %.4f AP50 %.4f AP75 %.4f  %.1f s",
                                    summary.epoch, epochs, summary.loss, summary.metrics["accuracy"] ?? 0,
                                    v["AP"] ?? 0, v["AP50"] ?? 0, v["AP75"] ?? 0, summary.seconds))
            }
        }
        for variant in RCNNTraining.variants {
            guard let v = outcome.validation[variant.name] else { continue }
            print(String(format: "validation %@ AP %.4f AP50 %.4f AP75 %.4f", variant.name.padding(toLength: 12, withPad: " ", startingAt: 0), v["AP"] ?? 0, v["AP50"] ?? 0, v["AP75"] ?? 0))
        }
        print(String(format: "fine-tuning %.0f s, features %.0f s, SVMs %.0f s, regressors %.0f s, validation %.0f s; weights in %@",
                     outcome.record.trainingSeconds, outcome.featureSeconds, outcome.svmSeconds, outcome.regressionSeconds,
                     outcome.validationSeconds, output))
    }
}
