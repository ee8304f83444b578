// RCNNTraining: a whole R-CNN run (Girshick et al. 2014, section 2.3), in the paper's three stages:
//   1. fine-tune the region CNN on warped windows (RCNNTask through the generic Trainer: a
//      checkpoint after every epoch, exact --resume; softmax AP on validation after each epoch);
//   2. compute every training region's features ONCE with the fine-tuned network: relu7 (fc1)
//      of every proposal and ground-truth box, pool3 of the proposals that train a regressor;
//   3. per class, a linear SVM with hard-negative mining (LinearSVM) and a ridge box regressor
//      (RidgeRegression), both on features scaled to mean norm 20; the scale is folded into
//      the stored weights, so the detector applies them to raw features.
// Stages 2-3 are deterministic and not checkpointed: a resumed run redoes them. Under mpirun,
// stage 1 is the Trainer's data-parallel loop (RCNNTask draws for the whole mini-batch, so the
// ranks take one process's steps), stage 2 is split by images and gathered on rank 0, and rank 0
// alone does stage 3, the validation and the write. The weights
// file holds the network's tensors, `svm.weight` [K, hidden], `svm.bias` [K], `bbox_reg.weight`
// [4K, 1024] and `bbox_reg.bias` [4K], with the DetectorDescription (method rcnn), the recipe
// and the validation AP of four variants (SVM or softmax, with or without regression) measured
// on one region pass per validation image.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// Runs R-CNN training as `DetectorTrainingConfig` and `RCNNSettings` say.
public struct RCNNTraining {
    /// The shared detector settings (pretrained weights, epochs, optimizer, seed, proposals).
    public let config: DetectorTrainingConfig
    /// The R-CNN settings.
    public let settings: RCNNSettings
    /// The fine-tuning trainer.
    public private(set) var trainer: Trainer<RCNNTask>
    /// The full validation set (the task may validate on its first images only).
    public let validation: DetectionSet?

    /// The variants measured at the end: the paper's detector first, then the ablations.
    public static let variants = [RCNNDetector.Variant(scoring: .svm, boxRegression: true), RCNNDetector.Variant(scoring: .svm, boxRegression: false),
                                  RCNNDetector.Variant(scoring: .softmax, boxRegression: true), RCNNDetector.Variant(scoring: .softmax, boxRegression: false)]

    /// Builds the network and the fine-tuning trainer; throws naming the pretrained file when it cannot be used.
    public init(config: DetectorTrainingConfig, settings: RCNNSettings = RCNNSettings(), training: DetectionSet, validation: DetectionSet?) throws {
        try config.validate()
        if let problem = settings.problems() { throw TrainingError.badOption(problem) }
        guard config.method == RCNNDetector.conformanceName else { throw TrainingError.badOption("RCNNTraining: method \(config.method)") }
        guard !training.examples.isEmpty, training.examples.contains(where: { !$0.boxes.isEmpty }) else {
            throw TrainingError.badOption("no training images with objects")
        }
        (self.config, self.settings, self.validation) = (config, settings, validation)
        let preprocessing = FastRCNNTraining.preprocessing(inputSize: RCNNNetwork.inputSize)
        var network = RCNNNetwork(slots: training.categories.count + 1, hidden: config.hidden, seed: config.seed)
        if let pretrained = config.pretrained {
            let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: pretrained))
            guard file["conv6.weight"] != nil, file["conv1.weight"] != nil else {
                throw TrainingError.badOption("\(pretrained): no conv1/conv6 tensors; the region CNN starts from DeepConvNet weights")
            }
            try network.loadPretrained(try file.tensors(), source: pretrained)
        }
        var fineTuneValidation = validation
        if let limit = settings.fineTuneValidationImages, let full = validation {
            fineTuneValidation = limit == 0 ? nil
                : DetectionSet(examples: Array(full.examples.prefix(limit)), categoryIDs: full.categoryIDs, categories: full.categories)
        }
        let task = RCNNTask(training: training, validation: fineTuneValidation, preprocessing: preprocessing,
                            windowsPerBatch: settings.windowsPerBatch, foregroundFraction: config.foregroundFraction,
                            batchesPerEpoch: settings.batchesPerEpoch, maxProposals: config.maxProposals, frozenPrefixes: config.freeze)
        trainer = Trainer(task: task, model: network, epochs: config.epochs, batchSize: task.windowsPerBatch, seed: config.seed,
                          optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: task.batchesPerEpoch),
                          settings: config.metadata.merging(settings.metadata) { own, _ in own })
        // under mpirun every rank goes on to compute its share of the region features
        trainer.othersExitAfterTraining = false
    }

    /// What a finished run measured.
    public struct Outcome {
        /// The fine-tuning record (history, seconds).
        public var record: Trainer<RCNNTask>.Record
        /// Validation AP, AP50, AP75 of each variant by name (`svm+reg`, `svm`, `softmax+reg`, `softmax`).
        public var validation: [String: [String: Double]]
        /// Seconds spent on feature extraction, SVMs and regressors, and the final validation.
        public var featureSeconds: Double, svmSeconds: Double, regressionSeconds: Double, validationSeconds: Double
        /// Mining rounds of each class's SVM.
        public var mining: [[LinearSVM.MiningRound]]
    }

    /// Fine-tunes (resuming from `checkpoint` when asked), trains the SVMs and regressors, measures
    /// the validation variants and writes the weights to `output` atomically; `log` gets one line
    /// per stage, `report` the trainer's events.
    @discardableResult
    public mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String] = [:],
                             log: (String) -> Void = { _ in }, report: (TrainingEvent) -> Void = { _ in }) throws -> Outcome {
        let record = try trainer.run(checkpointFile: checkpoint, resume: resume, report: report)
        let task = trainer.task, network = trainer.model
        var clock = ProgressReporter.now()
        let bank: RegionFeatureBank
        let images = task.training.examples.indices
        if trainer.communicator != nil {
            // data-parallel: every rank (with the same fine-tuned network) computes the features of
            // a contiguous share of the images; rank 0 gathers them in rank order, which is image
            // order, trains the SVMs and regressors and writes alone; the others end in the gather
            let own = RegionFeatureBank(training: task.training, images: trainer.rankShare(of: images.count), network: network,
                                        preprocessing: task.preprocessing, maxProposals: config.maxProposals,
                                        regressionIoU: settings.regressionIoU, regionBatch: settings.regionBatch)
            let parts = trainer.gatherOnRootOrExit(own.packed(), during: "the gather of the region features for the SVMs")
            bank = RegionFeatureBank(parts: parts, hidden: network.hidden, categories: task.training.categories.count)
        } else {
            bank = RegionFeatureBank(training: task.training, images: images, network: network, preprocessing: task.preprocessing,
                                     maxProposals: config.maxProposals, regressionIoU: settings.regressionIoU, regionBatch: settings.regionBatch)
        }
        let featureSeconds = ProgressReporter.now() - clock
        log(String(format: "features of %d training regions (%d for box regression) in %.1f s", bank.count, bank.regressionRows.count, featureSeconds))

        clock = ProgressReporter.now()
        let (svms, mining) = trainSVMs(bank)
        let svmSeconds = ProgressReporter.now() - clock
        for (k, rounds) in mining.enumerated() {
            log("svm \(task.training.categories[k]): " + rounds.map { "\($0.cached) negatives (+\($0.added) hard, -\($0.dropped) easy)" }.joined(separator: ", "))
        }
        clock = ProgressReporter.now()
        let regressors = trainRegressors(bank)
        let regressionSeconds = ProgressReporter.now() - clock
        log(String(format: "SVMs in %.1f s, box regressors in %.1f s", svmSeconds, regressionSeconds))

        clock = ProgressReporter.now()
        var figures = [String: [String: Double]]()
        if let validation {
            let detector = RCNNDetector.forValidation(network, svms: svms, regressors: regressors, training: task.training,
                                                      preprocessing: task.preprocessing, maxProposals: config.maxProposals,
                                                      scoring: .svm, boxRegression: true)
            let variants = Self.variants
            let lists = DetectionValidation.parallelMap(validation.examples) { detector.detect($0.image, proposals: $0.proposals, variants: variants) }
            for (v, variant) in variants.enumerated() {
                figures[variant.name] = DetectionValidation.evaluate(validation, detections: lists.map { $0[v] })
            }
        }
        let validationSeconds = ProgressReporter.now() - clock

        var extra = trainer.metadata.merging(extraMetadata) { own, _ in own }
        extra["history"] = record.history.joined(separator: ";")
        extra["history.columns"] = "epoch:loss:window_accuracy:softmax AP:AP50:AP75"
        extra["training_seconds"] = String(format: "%.1f", record.trainingSeconds)
        extra["svm_seconds"] = String(format: "%.1f", featureSeconds + svmSeconds + regressionSeconds)
        extra["validation.images"] = String(validation?.examples.count ?? 0)
        for (name, values) in figures {
            let prefix = name == "svm+reg" ? "validation." : "validation.\(name)."
            for (key, value) in values { extra[prefix + key] = String(format: "%.4f", value) }
        }
        extra["model"] = "R-CNN (Girshick et al. 2014) on DeepConvNet: 28 px context-padded warps, fc1 SVMs with hard-negative mining, pool3 ridge box regressors"
        let description = DetectorDescription(method: RCNNDetector.conformanceName, categories: task.training.categories,
                                              categoryIDs: task.training.categoryIDs, preprocessing: task.preprocessing,
                                              proposals: config.proposals, boxStds: BoxCoder.raw.stds, extra: extra)
        var tensors = network.state
        tensors["svm.weight"] = svms.weight
        tensors["svm.bias"] = svms.bias
        tensors["bbox_reg.weight"] = regressors.weight
        tensors["bbox_reg.bias"] = regressors.bias
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsFile.write(tensors, dtype: .f32, metadata: description.metadata, to: output)
        return Outcome(record: record, validation: figures, featureSeconds: featureSeconds, svmSeconds: svmSeconds,
                       regressionSeconds: regressionSeconds, validationSeconds: validationSeconds, mining: mining)
    }

    /// One SVM per class on fc1 features scaled to mean norm `featureNorm`: ground-truth boxes of
    /// the class are positives, regions with IoU < `negativeIoU` to every box of the class negatives.
    func trainSVMs(_ bank: RegionFeatureBank) -> (RCNNDetector.SVMs, [[LinearSVM.MiningRound]]) {
        let k = bank.categories, d = bank.fc1.shape[1]
        let scale = Float(settings.featureNorm / max(bank.meanNorm(bank.fc1), 1e-12))
        var scaled = bank.fc1
        scaled.withUnsafeMutableBufferPointer { x in for i in 0..<x.count { x[i] *= scale } }
        var solver = LinearSVM.Settings(c: settings.svmC)
        (solver.positiveWeight, solver.biasMultiplier, solver.seed) = (settings.svmPositiveWeight, settings.svmBiasMultiplier, config.seed)
        let mining = LinearSVM.Mining(rounds: settings.miningRounds, initialNegatives: settings.initialNegatives)
        var weights = [Float](), biases = [Float](), log = [[LinearSVM.MiningRound]]()
        for c in 0..<k {
            let positives = bank.rows.indices.filter { bank.groundTruthClass[$0] == c }
            let negatives = bank.rows.indices.filter { bank.maxIoU[$0 * k + c] < Float(settings.negativeIoU) }
            var random = SeededGenerator(seed: config.seed).derived(0x7376_6d00 + UInt64(c))
            let (svm, _, rounds) = LinearSVM.trainWithMining(features: scaled, positives: positives, negatives: negatives,
                                                             settings: solver, mining: mining, random: &random)
            weights += svm.weights.map { $0 * scale }
            biases.append(svm.bias)
            log.append(rounds)
        }
        return (RCNNDetector.SVMs(weight: Tensor(shape: [k, d], scalars: weights), bias: Tensor(shape: [k], scalars: biases)), log)
    }

    /// One ridge regressor per class on pool3 features scaled to mean norm `featureNorm`, from
    /// the proposals whose best box (IoU >= `regressionIoU`) is of that class, to BoxCoder.raw targets.
    func trainRegressors(_ bank: RegionFeatureBank) -> RCNNDetector.BoxRegressors {
        let k = bank.categories, d = RCNNNetwork.regressionFeatures
        let scale = Float(settings.featureNorm / max(bank.meanNorm(bank.pool3), 1e-12))
        var scaled = bank.pool3
        scaled.withUnsafeMutableBufferPointer { x in for i in 0..<x.count { x[i] *= scale } }
        var weights = [Float](), biases = [Float]()
        for c in 0..<k {
            let rows = bank.regressionRows.indices.filter { bank.regressionRows[$0].category == c }
            let fit = RidgeRegression.fit(features: scaled, targets: bank.regressionTargets, rows: rows, lambda: settings.ridgeLambda)
            weights += fit.weights.map { $0 * scale }
            biases += fit.bias
        }
        return RCNNDetector.BoxRegressors(weight: Tensor(shape: [4 * k, d], scalars: weights), bias: Tensor(shape: [4 * k], scalars: biases))
    }
}

/// The features of every training region, computed once by the fine-tuned network.
struct RegionFeatureBank {
    /// A region: its image and whether it is a ground-truth box.
    struct Row { var image: Int; var isGroundTruth: Bool }
    /// A regressor's training region: the row in `pool3`, its category index.
    struct RegressionRow { var category: Int }

    /// Every region (each image's first proposals, then its ground-truth boxes).
    var rows = [Row]()
    /// relu7 of every region, `[rows, hidden]`.
    var fc1: Tensor
    /// The category index of a ground-truth region, -1 for a proposal.
    var groundTruthClass = [Int]()
    /// For every region and category, the highest IoU with a box of that category, `[rows, K]` row-major.
    var maxIoU = [Float]()
    /// The regression regions.
    var regressionRows = [RegressionRow]()
    /// pool3 of the regression regions, `[regressionRows, 1024]`.
    var pool3: Tensor
    /// Their BoxCoder.raw targets, `[regressionRows, 4]`.
    var regressionTargets: Tensor
    /// K.
    let categories: Int

    /// The number of regions.
    var count: Int { rows.count }

    /// Runs `network` over the regions of the training images at `images` (`regionBatch` per forward pass).
    init(training: DetectionSet, images: Range<Int>, network: RCNNNetwork, preprocessing: ImagePreprocessing, maxProposals: Int,
         regressionIoU: Double, regionBatch: Int) {
        let k = training.categories.count
        categories = k
        var index = [Int: Int]()
        for (c, id) in training.categoryIDs.enumerated() { index[id] = c }
        var fc1 = [Float](), pool3 = [Float](), targets = [Float]()
        for i in images {
            let example = training.examples[i]
            let (w, h) = (example.image.width, example.image.height)
            let proposals = example.proposals.prefix(maxProposals).map { $0.clipped(width: w, height: h) }.filter { $0.width >= 1 && $0.height >= 1 }
            let regions = proposals + example.boxes
            let out = network.outputs(example.image, boxes: regions, preprocessing: preprocessing, batch: regionBatch)
            fc1 += out.fc1.scalars
            let p3 = out.pool3.scalars
            let matches = ProposalSampler.match(regions, groundTruth: example.boxes)
            for (r, region) in regions.enumerated() {
                let isTruth = r >= proposals.count
                rows.append(Row(image: i, isGroundTruth: isTruth))
                groundTruthClass.append(isTruth ? index[region.label]! : -1)
                var best = [Float](repeating: 0, count: k)
                for truth in example.boxes {
                    let c = index[truth.label]!
                    best[c] = max(best[c], Float(region.iou(truth)))
                }
                maxIoU += best
                if !isTruth, let g = matches[r].groundTruthIndex, matches[r].iou >= regressionIoU {
                    regressionRows.append(RegressionRow(category: index[example.boxes[g].label]!))
                    pool3 += p3[r * RCNNNetwork.regressionFeatures..<(r + 1) * RCNNNetwork.regressionFeatures]
                    targets += BoxCoder.raw.encode(example.boxes[g], relativeTo: region).values
                }
            }
        }
        self.fc1 = Tensor(shape: [rows.count, network.hidden], scalars: fc1)
        self.pool3 = Tensor(shape: [regressionRows.count, RCNNNetwork.regressionFeatures], scalars: pool3)
        regressionTargets = Tensor(shape: [regressionRows.count, 4], scalars: targets)
    }

    /// The bank as one Float buffer, for the gather of a data-parallel run: the region and
    /// regression-row counts, then per region its image, ground-truth flag, ground-truth class and
    /// `K` best IoUs, then fc1, the regression rows' categories, pool3 and targets (every integer
    /// is below 2^24, so Float holds it exactly).
    func packed() -> [Float] {
        var values: [Float] = [Float(rows.count), Float(regressionRows.count)]
        for (r, row) in rows.enumerated() {
            values += [Float(row.image), row.isGroundTruth ? 1 : 0, Float(groundTruthClass[r])]
            values += maxIoU[(r * categories)..<((r + 1) * categories)]
        }
        values += fc1.scalars
        values += regressionRows.map { Float($0.category) }
        values += pool3.scalars
        values += regressionTargets.scalars
        return values
    }

    /// The banks `packed` by each rank, joined in order (`hidden`: fc1's width, `categories`: K).
    init(parts: [[Float]], hidden: Int, categories k: Int) {
        categories = k
        var fc1 = [Float](), pool3 = [Float](), targets = [Float]()
        for part in parts {
            let (count, regressions) = (Int(part[0]), Int(part[1]))
            var offset = 2
            for _ in 0..<count {
                rows.append(Row(image: Int(part[offset]), isGroundTruth: part[offset + 1] != 0))
                groundTruthClass.append(Int(part[offset + 2]))
                maxIoU += part[(offset + 3)..<(offset + 3 + k)]
                offset += 3 + k
            }
            fc1 += part[offset..<(offset + count * hidden)]
            offset += count * hidden
            regressionRows += part[offset..<(offset + regressions)].map { RegressionRow(category: Int($0)) }
            offset += regressions
            pool3 += part[offset..<(offset + regressions * RCNNNetwork.regressionFeatures)]
            offset += regressions * RCNNNetwork.regressionFeatures
            targets += part[offset..<(offset + regressions * 4)]
            offset += regressions * 4
            precondition(offset == part.count, "RegionFeatureBank: a packed part of \(part.count) values, \(offset) read")
        }
        self.fc1 = Tensor(shape: [rows.count, hidden], scalars: fc1)
        self.pool3 = Tensor(shape: [regressionRows.count, RCNNNetwork.regressionFeatures], scalars: pool3)
        regressionTargets = Tensor(shape: [regressionRows.count, 4], scalars: targets)
    }

    /// The mean L2 norm of the rows of `features` `[n, d]` (0 when empty).
    func meanNorm(_ features: Tensor) -> Double {
        let (n, d) = (features.shape[0], features.shape[1])
        guard n > 0 else { return 0 }
        return features.withUnsafeBufferPointer { x in
            (0..<n).reduce(0.0) { sum, r in
                sum + (0..<d).reduce(0.0) { $0 + Double(x[r * d + $1]) * Double(x[r * d + $1]) }.squareRoot()
            } / Double(n)
        }
    }
}
