// `glimpse train captioner`: NIC on any labelled source with captions (a scene set, a COCO
// captions folder), validating BLEU-4 and CIDEr-D after every epoch.

import ArgumentParser
import Foundation
import GlimpseCaptioning
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseTensor
import GlimpseTraining

/// `glimpse train captioner`
struct TrainCaptioner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captioner",
        abstract: "Train a NIC captioner (CNN features into an LSTM) on captioned images, validating BLEU-4 and CIDEr-D after every epoch.",
        discussion: """
            --data is a scene set (its train split is trained on and its val split validated on), \
            a split folder or a COCO folder with captions.json. Without a val split, --validation \
            images are held out from the end. The CNN (--cnn) is ImageNet SqueezeNet 1.1 up to \
            --cnn-layer, or the trunk of Fast R-CNN or Faster R-CNN detector weights, frozen: its pooled features \
            are computed once (im2txt's first phase). \
            --init FILE --fine-tune-cnn is the second phase: it continues a first-phase file with \
            the CNN trained too. Images without captions and captions without words are skipped \
            and listed; captions longer than --max-tokens are cut. A checkpoint is written \
            atomically after every epoch; --resume continues from it and ends with the same weights \
            as an uninterrupted run with the same settings and --threads.
            """)

    @Option(help: "Training data: a scene set, split folder or COCO folder with captions.")
    var data: String
    @Option(help: "nic, or nearest-neighbour (the retrieval baseline: no training, an index of the training images' features and captions).")
    var method = "nic"
    @Option(help: "Validation data (default: the scene set's val split, else a hold-out of --validation images).")
    var val: String?
    @Option(help: "Images held out for validation when there is no val split.")
    var validation = 100
    @Option(help: "The CNN's weights (ignored with --init): SqueezeNet 1.1 (ImageNet) or Fast R-CNN or Faster R-CNN detector weights (their trunk).")
    var cnn = "datasets/weights/squeezenet1_1.safetensors"
    @Option(help: "The SqueezeNet layer the CNN ends at (a detector's trunk ends at its own feature layer).")
    var cnnLayer = "fire9"
    @Option(name: .customLong("init"), help: "Start from this NIC weights file (its vocabulary and shape are kept).")
    var initFrom: String?
    @Flag(help: "Train the CNN too (im2txt's second phase; needs --init).")
    var fineTuneCNN = false
    @Option(help: "The recurrent cell: lstm (NIC) or rnn (the plain-RNN ablation).")
    var cell = "lstm"
    @Option(help: "first-input (NIC: the image is the LSTM's first input), initial-state (the image is h0; ablation) or every-step (par-inject: the image beside every word).")
    var feeding = "first-input"
    @Flag(help: "Scale the pooled features to an RMS of 1 over the training images before the image embedding (stored in the weights file).")
    var normalizeFeatures = false
    @Option(help: "Word-embedding width.")
    var embedding = 256
    @Option(help: "Recurrent units.")
    var hidden = 256
    @Option(help: "Cells per side the CNN's map is max-pooled to (adaptive: any size up to the map's).")
    var grid = 4
    @Option(help: "Dropout on the recurrent layer's inputs and outputs.")
    var dropout: Float = 0.3
    @Option(help: "Words seen fewer times in the training captions read as <unk>.")
    var minCount = 4
    @Option(help: "Training captions are cut to this many tokens.")
    var maxTokens = 40
    @Option(help: "Generated captions stop after this many tokens.")
    var maxLength = 30
    @Option(help: "Passes over the (image, caption) pairs.")
    var epochs = 10
    @Option(help: "(Image, caption) pairs per step.")
    var batchSize = 32
    @Option(help: "Use only the first N training images.")
    var limit: Int?
    @OptionGroup var optimizer: OptimizerOptions
    @Option(help: "The optimizer's base learning rate.")
    var learningRate: Float = 0.001
    @Option(help: "Learning-rate schedule: constant, cosine or step (x0.1 at 50% and 75%).")
    var schedule = "cosine"
    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmupEpochs = 0
    @Option(help: "Gradients are scaled down to this global norm when larger.")
    var clipNorm: Float = 5
    @Option(help: "Seed for initialisation, data order and dropout.")
    var seed: UInt64 = 1
    @Option(help: "Where to write the trained weights (safetensors; default runs/nic.safetensors).")
    var output: String?
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard ["nic", "nearest-neighbour"].contains(method) else { throw ValidationError("--method \(method): nic or nearest-neighbour") }
        guard CaptionCell(rawValue: cell) != nil else { throw ValidationError("--cell \(cell): lstm or rnn") }
        guard ImageFeeding(rawValue: feeding) != nil else { throw ValidationError("--feeding \(feeding): first-input, initial-state or every-step") }
        guard validation >= 1 else { throw ValidationError("--validation must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if fineTuneCNN && initFrom == nil { throw ValidationError("--fine-tune-cnn continues a first-phase run: give --init FILE") }
    }

    func run() throws {
        let threads = compute.apply()
        try exitOnError {
            var config = CaptionerTrainingConfig()
            config.cnn = ProjectPaths.resolve(cnn)
            config.cnnLayer = cnnLayer
            config.initFrom = initFrom.map(ProjectPaths.resolve)
            config.fineTuneCNN = fineTuneCNN
            (config.cell, config.feeding) = (CaptionCell(rawValue: cell)!, ImageFeeding(rawValue: feeding)!)
            config.normalizeFeatures = normalizeFeatures
            (config.embedding, config.hidden, config.grid, config.dropout) = (embedding, hidden, grid, dropout)
            (config.minimumCount, config.maxTokens, config.maxLength) = (minCount, maxTokens, maxLength)
            (config.epochs, config.batchSize, config.learningRate, config.schedule) = (epochs, batchSize, learningRate, schedule)
            (config.warmupEpochs, config.clipNorm, config.seed) = (warmupEpochs, clipNorm, seed)
            config.optimizer = try optimizer.choice()
            try config.validate()

            let progress = ProgressReporter(quiet: runOptions.quiet)
            let sources = try TrainingSources(data: data, val: val, validation: validation, limit: limit)
            let start = ProgressReporter.now()
            let training = try CaptionSet.load(source: sources.train, sourceName: sources.trainName, indices: sources.trainIndices,
                                               maxTokens: maxTokens) { done, total in
                progress.update(label: "loading", done: done, total: total, rate: Double(done) / max(1e-9, ProgressReporter.now() - start), fields: "")
            }
            let validationSet = try sources.val.map {
                try CaptionSet.load(source: $0, sourceName: sources.valName!, indices: Array(0..<$0.count), maxTokens: maxTokens)
            } ?? CaptionSet.load(source: sources.train, sourceName: sources.trainName, indices: sources.heldOut, maxTokens: maxTokens)
            progress.log(String(format: "loaded %d + %d captioned images (%d training captions) in %.1f s", training.examples.count,
                                validationSet.examples.count, training.allCaptions.count, ProgressReporter.now() - start))
            for line in (training.skipped + validationSet.skipped).prefix(20) { progress.log("skipped: " + line) }
            let skipped = training.skipped.count + validationSet.skipped.count
            if skipped > 20 { progress.log("skipped: ... \(skipped - 20) more") }
            if training.truncated + validationSet.truncated > 0 {
                progress.log("note: \(training.truncated + validationSet.truncated) captions longer than \(maxTokens) tokens were cut")
            }

            if method == "nearest-neighbour" {
                try buildIndex(config: config, training: training, validation: validationSet, progress: progress)
                return
            }
            var run = try CaptionTraining(config: config, training: training, validation: validationSet.examples.isEmpty ? nil : validationSet)
            let output = self.output ?? "runs/nic.safetensors"
            let checkpoint = runOptions.checkpointPath(for: output)
            if !runOptions.resume && FileManager.default.fileExists(atPath: checkpoint) {
                progress.log("note: starting afresh; \(checkpoint) will be overwritten (use --resume to continue it)")
            }
            let task = run.trainer.task
            progress.log("training NIC (\(cell), \(feeding), \(run.trainer.model.parameterCount) parameters, vocabulary \(task.vocabulary.count))"
                         + " on \(task.exampleCount) captions of \(training.examples.count) images from \(sources.trainName), validating on"
                         + " \(validationSet.examples.count); CNN from \(run.cnnSource)\(fineTuneCNN ? " (fine-tuned)" : " (frozen)");"
                         + " \(run.trainer.optimizer.name), \(threads) thread(s), seed \(seed)")
            let epochs = config.epochs
            let (record, final) = try run.run(checkpoint: URL(fileURLWithPath: checkpoint), resume: runOptions.resume,
                                              output: URL(fileURLWithPath: output),
                                              extraMetadata: ["command": (["glimpse"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                                              "data": data, "threads": String(threads)]) { event in
                switch event {
                case .resumed(_, let epoch):
                    progress.log("resumed from \(checkpoint) after epoch \(epoch) of \(epochs)")
                case .step(let state):
                    progress.update(label: "epoch \(state.epoch)/\(state.epochs)", done: state.done, total: state.total,
                                    rate: state.examplesPerSecond,
                                    fields: String(format: "loss %.4f acc %.4f", state.loss, state.metrics["accuracy"] ?? 0))
                case .epochEnded(let summary):
                    let v = summary.validation
                    progress.log(String(format: "epoch %d/%d  loss %.4f  token acc %.4f  val BLEU-4 %.4f CIDEr-D %.4f  %.1f s",
                                        summary.epoch, epochs, summary.loss, summary.metrics["accuracy"] ?? 0, v["BLEU-4"] ?? 0,
                                        v["CIDEr-D"] ?? 0, summary.seconds))
                }
            }
            print(String(format: "validation BLEU-4 %.4f CIDEr-D %.4f (greedy) after %d epochs, %.0f s of training; weights in %@",
                         final["BLEU-4"] ?? 0, final["CIDEr-D"] ?? 0, epochs, record.trainingSeconds, output))
        }
    }

    /// `--method nearest-neighbour`: the index of the training images, scored on the validation images.
    func buildIndex(config: CaptionerTrainingConfig, training: CaptionSet, validation: CaptionSet, progress: ProgressReporter) throws {
        let start = ProgressReporter.now()
        var indexConfig = config
        indexConfig.epochs = 1
        let run = try CaptionTraining(config: indexConfig, training: training, validation: nil)
        let output = self.output ?? "runs/nearest-neighbour.safetensors"
        var description = run.description(extra: ["command": (["glimpse"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                                   "data": data, "train.cnn": URL(fileURLWithPath: config.cnn).lastPathComponent,
                                                   "train.grid": String(config.grid), "training.images": String(training.examples.count)])
        description.method = "nearest-neighbour"
        var index = NearestNeighbourCaptioner.build(set: training, network: run.trainer.model, description: description)
        if !validation.examples.isEmpty {
            let found = index.captions(of: validation.examples.map(\.image), count: 1).map { $0.first?.text ?? "" }
            let scores = CaptionEvaluation.evaluate(candidates: found, references: validation.examples.map(\.captions))
            description.extra["validation.BLEU-4"] = String(format: "%.4f", scores.bleu[3])
            description.extra["validation.CIDEr-D"] = String(format: "%.4f", scores.ciderD)
            index = NearestNeighbourCaptioner(cnn: index.cnn, features: index.features, captions: index.captions, description: description,
                                              identity: index.trunk.identity)
            progress.log(String(format: "validation BLEU-4 %.4f CIDEr-D %.4f on %d images", scores.bleu[3], scores.ciderD, validation.examples.count))
        }
        try index.save(to: URL(fileURLWithPath: output))
        print(String(format: "nearest-neighbour index of %d images in %@ (%.1f s)", training.examples.count, output, ProgressReporter.now() - start))
    }
}
