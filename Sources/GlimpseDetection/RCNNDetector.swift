// RCNNDetector: the `rcnn` detector stage (Girshick et al. 2014, section 2.2, rcnn_test.m).
// For the first max-proposals proposals of an image: warp each with context (RCNNNetwork.warp),
// run the region CNN 256 regions per forward pass, score every class with its linear SVM on
// fc1 (relu7) features, move each box with that class's ridge regressor on pool3 features
// (BoxCoder.raw targets), clip, then per-class greedy NMS 0.3, a score threshold and a cap per
// image (DetectionPostprocessing). It works on pixels: no shared backbone.
//
// The score threshold: SVM scores are margins, not probabilities. The pipeline default is -1,
// the margin below which hard-negative mining calls a region an easy negative; validation
// (AP) uses no threshold at all (-infinity), as rcnn_test.m keeps every scored box (AP is then
// capped by the 100 detections per image). The ablation of the paper's section 3.2 / appendix B
// ("the fine-tuned softmax instead of SVMs") is `scoring: .softmax`, and regression can be
// switched off (`boxRegression: false`).

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// R-CNN as a pipeline detector.
public struct RCNNDetector: Detector {
    /// `"rcnn"`.
    public static let conformanceName = "rcnn"
    /// The pipeline's default score threshold on SVM margins.
    public static let defaultScoreThreshold: Float = -1

    /// How a region's class scores are computed.
    public enum Scoring: String, Sendable, CaseIterable {
        /// The per-class linear SVMs on fc1 (the paper's detector).
        case svm
        /// The fine-tuned network's softmax (the paper's ablation).
        case softmax
    }

    /// The per-class SVMs as tensors: weight `[K, hidden]`, bias `[K]` (on unscaled relu7 features).
    public struct SVMs: Sendable {
        /// `[K, hidden]`.
        public var weight: Tensor
        /// `[K]`.
        public var bias: Tensor
        /// Creates the SVMs from their tensors.
        public init(weight: Tensor, bias: Tensor) {
            precondition(weight.rank == 2 && bias.shape == [weight.shape[0]], "RCNNDetector.SVMs: weight \(weight.shape), bias \(bias.shape)")
            (self.weight, self.bias) = (weight, bias)
        }
    }

    /// The per-class box regressors: weight `[4K, 1024]` (class k in rows 4k..<4k+4: dx, dy, dw, dh), bias `[4K]`.
    public struct BoxRegressors: Sendable {
        /// `[4K, 1024]`.
        public var weight: Tensor
        /// `[4K]`.
        public var bias: Tensor
        /// Creates the regressors from their tensors.
        public init(weight: Tensor, bias: Tensor) {
            precondition(weight.rank == 2 && bias.shape == [weight.shape[0]] && weight.shape[0] % 4 == 0,
                         "RCNNDetector.BoxRegressors: weight \(weight.shape), bias \(bias.shape)")
            (self.weight, self.bias) = (weight, bias)
        }
    }

    /// The fine-tuned region network.
    public let network: RCNNNetwork
    /// The SVMs (nil: only softmax scoring, as while fine-tuning).
    public let svms: SVMs?
    /// The box regressors (nil: none).
    public let regressors: BoxRegressors?
    /// What the weights file says (classes, preprocessing, recipe).
    public let description: DetectorDescription
    /// Per-class NMS, score threshold and cap.
    public let postprocessing: DetectionPostprocessing
    /// Proposals scored per image (the proposer's best first).
    public let maxProposals: Int
    /// SVMs or the softmax.
    public let scoring: Scoring
    /// Whether boxes are moved by the regressors.
    public let boxRegression: Bool
    /// Regions per forward pass.
    public let regionBatch: Int

    /// One way of turning a region pass into detections (the ablations share the pass).
    public struct Variant: Sendable, Equatable {
        /// SVMs or softmax.
        public var scoring: Scoring
        /// With or without the regressors.
        public var boxRegression: Bool
        /// Creates a variant.
        public init(scoring: Scoring, boxRegression: Bool) { (self.scoring, self.boxRegression) = (scoring, boxRegression) }
        /// `svm+reg`, `svm`, `softmax+reg`, `softmax`.
        public var name: String { scoring.rawValue + (boxRegression ? "+reg" : "") }
    }

    /// Wraps a network with its SVMs and regressors; `scoring`/`boxRegression` need them.
    public init(network: RCNNNetwork, svms: SVMs?, regressors: BoxRegressors?, description: DetectorDescription,
                postprocessing: DetectionPostprocessing = DetectionPostprocessing(scoreThreshold: RCNNDetector.defaultScoreThreshold),
                maxProposals: Int = 2000, scoring: Scoring = .svm, boxRegression: Bool = true, regionBatch: Int = 256) {
        let k = description.categories.count
        precondition(network.slots == k + 1, "RCNNDetector: \(network.slots) slots for \(k) classes")
        precondition(svms.map { $0.weight.shape == [k, network.hidden] } ?? true, "RCNNDetector: SVMs \(svms!.weight.shape), need [\(k), \(network.hidden)]")
        precondition(regressors.map { $0.weight.shape == [4 * k, RCNNNetwork.regressionFeatures] } ?? true,
                     "RCNNDetector: regressors \(regressors!.weight.shape), need [\(4 * k), \(RCNNNetwork.regressionFeatures)]")
        precondition(scoring == .softmax || svms != nil, "RCNNDetector: SVM scoring without SVMs")
        precondition(!boxRegression || regressors != nil, "RCNNDetector: box regression without regressors")
        precondition(maxProposals >= 1 && regionBatch >= 1, "RCNNDetector: maxProposals \(maxProposals), regionBatch \(regionBatch)")
        (self.network, self.svms, self.regressors, self.description) = (network, svms, regressors, description)
        (self.postprocessing, self.maxProposals, self.scoring, self.boxRegression, self.regionBatch) =
            (postprocessing, maxProposals, scoring, boxRegression, regionBatch)
    }

    /// Loads an `rcnn` weights file written by `glimpse train detector --method rcnn`; throws
    /// `StageError` naming the file when it is unreadable, another method's or another model's
    /// weights, or its tensors do not fit.
    public init(weights path: String, postprocessing: DetectionPostprocessing = DetectionPostprocessing(scoreThreshold: RCNNDetector.defaultScoreThreshold),
                maxProposals: Int = 2000, scoring: Scoring = .svm, boxRegression: Bool = true) throws {
        let data = try StageWeights.mappedData(of: path, role: "detector")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try DetectorDescription(metadata: file.metadata, file: path, expecting: Self.conformanceName)
        var tensors = try file.tensors()
        guard let svmWeight = tensors.removeValue(forKey: "svm.weight"), let svmBias = tensors.removeValue(forKey: "svm.bias"),
              let regWeight = tensors.removeValue(forKey: "bbox_reg.weight"), let regBias = tensors.removeValue(forKey: "bbox_reg.bias"),
              let fc1 = tensors["fc1.weight"], fc1.rank == 2 else {
            throw StageError(file: path, problem: "no svm, bbox_reg or fc1 tensors: not R-CNN weights")
        }
        let k = description.categories.count
        guard svmWeight.shape == [k, fc1.shape[0]], svmBias.shape == [k], regWeight.shape == [4 * k, RCNNNetwork.regressionFeatures],
              regBias.shape == [4 * k] else {
            throw StageError(file: path, problem: "svm \(svmWeight.shape)/\(svmBias.shape) or bbox_reg \(regWeight.shape)/\(regBias.shape)"
                             + " do not fit \(k) classes and fc1 of \(fc1.shape[0])")
        }
        var network = RCNNNetwork(slots: description.slots, hidden: fc1.shape[0], seed: 0)
        do {
            try network.load(tensors, source: path)
        } catch {
            throw StageError(file: path, problem: "the region network's tensors do not fit: \(error)")
        }
        guard description.preprocessing.inputSize == RCNNNetwork.inputSize else {
            throw StageError(file: path, problem: "preprocessing input \(description.preprocessing.inputSize), R-CNN warps to \(RCNNNetwork.inputSize)")
        }
        self.init(network: network, svms: SVMs(weight: svmWeight, bias: svmBias), regressors: BoxRegressors(weight: regWeight, bias: regBias),
                  description: description, postprocessing: postprocessing, maxProposals: maxProposals, scoring: scoring,
                  boxRegression: boxRegression)
    }

    /// The object classes.
    public var categories: [String] { description.categories }
    /// The training set's category ids.
    public var categoryIDs: [Int] { description.categoryIDs }
    /// R-CNN scores proposals.
    public var needsProposals: Bool { true }

    /// The detections of one image from its proposals (`label` indexes `categories`).
    public func detect(_ input: StageInput) throws -> [BoundingBox] {
        detect(input.image, proposals: input.proposals)
    }

    /// The detections of `image` for `proposals`, with this detector's scoring and regression.
    public func detect(_ image: Image, proposals: [BoundingBox]) -> [BoundingBox] {
        detect(image, proposals: proposals, variants: [Variant(scoring: scoring, boxRegression: boxRegression)])[0]
    }

    /// The detections of each variant from one region pass over `image`'s first `maxProposals`
    /// usable proposals (clipped, at least 1 px each way).
    public func detect(_ image: Image, proposals: [BoundingBox], variants: [Variant]) -> [[BoundingBox]] {
        let regions = Array(proposals.lazy.map { $0.clipped(width: image.width, height: image.height) }
            .filter { $0.width >= 1 && $0.height >= 1 }.prefix(maxProposals))
        guard !regions.isEmpty else { return variants.map { _ in [] } }
        let out = network.outputs(image, boxes: regions, preprocessing: description.preprocessing, batch: regionBatch)
        let k = categories.count, n = regions.count
        let svmScores = svms.map { Tensor.matmul(out.fc1, $0.weight, transposeB: true).scalars }  // [n, K] before bias
        let deltas = regressors.map { Tensor.matmul(out.pool3, $0.weight, transposeB: true).scalars }  // [n, 4K] before bias
        let probabilities = out.probabilities.scalars
        let svmBias = svms?.bias.scalars ?? [], regressionBias = regressors?.bias.scalars ?? []
        return variants.map { variant in
            precondition(variant.scoring == .softmax || svms != nil, "RCNNDetector: SVM scoring without SVMs")
            precondition(!variant.boxRegression || regressors != nil, "RCNNDetector: box regression without regressors")
            var candidates = [BoundingBox]()
            candidates.reserveCapacity(n * k)
            for r in 0..<n {
                for c in 0..<k {
                    let score = variant.scoring == .svm ? svmScores![r * k + c] + svmBias[c] : probabilities[r * (k + 1) + c + 1]
                    var box = regions[r]
                    if variant.boxRegression, let deltas {
                        let t = (0..<4).map { deltas[r * 4 * k + 4 * c + $0] + regressionBias[4 * c + $0] }
                        box = BoxCoder.raw.decode(BoxDeltas(dx: t[0], dy: t[1], dw: t[2], dh: t[3]), relativeTo: regions[r],
                                                  imageWidth: image.width, imageHeight: image.height)
                    }
                    box.label = c
                    box.score = score
                    candidates.append(box)
                }
            }
            return postprocessing.select(candidates)
        }
    }
}

extension RCNNDetector {
    /// The registry entry: `weights`, `score_threshold`, `nms`, `max_detections`, `max_proposals`,
    /// `scoring`, `box_regression`.
    public static let registryEntry = Conformance(
        kind: .detector, name: conformanceName,
        summary: "R-CNN: every proposal warped and run through the region CNN, per-class linear SVMs and ridge box regressors",
        parameters: DetectorParameters.specs(
            weights: "datasets/weights/rcnn-scenes.safetensors", weightsHelp: "weights written by glimpse train detector --method rcnn",
            scoreThreshold: defaultScoreThreshold, scoreHelp: "keep detections whose SVM margin is above this",
            proposalsHelp: "proposals warped and scored per image (the proposer's best)") + [
            ParameterSpec("scoring", .string, default: .string("svm"), help: "svm (the paper's) or softmax (the fine-tuned network's, its ablation)"),
            ParameterSpec("box_regression", .bool, default: .bool(true), help: "move boxes with the ridge regressors (appendix C)"),
        ]
    ) { parameters, context in
        let scoringName = parameters.string("scoring", default: "svm")
        guard let scoring = Scoring(rawValue: scoringName) else {
            throw StageError(file: parameters.file, problem: "scoring \"\(scoringName)\": svm or softmax")
        }
        return .detector(try RCNNDetector(weights: parameters.string("weights", default: ""),
                                          postprocessing: DetectorParameters.postprocessing(parameters, scoreThreshold: defaultScoreThreshold),
                                          maxProposals: DetectorParameters.maxProposals(parameters), scoring: scoring,
                                          boxRegression: parameters.bool("box_regression", default: true)))
    }
}
