// DetectorParameters: the pipeline-file parameters every detector conformance shares, declared
// and read in one place: `weights`, `score_threshold`, `nms`, `max_detections` and
// `max_proposals`. A conformance adds its own after these.

import GlimpseImaging
import GlimpseStages

/// The shared parameters of the detector conformances.
enum DetectorParameters {
    /// The shared specs: `weights` (default `weights`), `score_threshold` (default `scoreThreshold`),
    /// `nms` 0.3, `max_detections` 100, `max_proposals` (default `maxProposals`, 2000).
    static func specs(weights: String, weightsHelp: String, scoreThreshold: Float, scoreHelp: String,
                      proposalsHelp: String, maxProposals: Int = 2000) -> [ParameterSpec] {
        [
            ParameterSpec("weights", .file, default: .string(weights), help: weightsHelp),
            ParameterSpec("score_threshold", .float, default: .float(Double(scoreThreshold)), help: scoreHelp),
            ParameterSpec("nms", .float, default: .float(0.3), help: "per-class NMS: suppress IoU above this"),
            ParameterSpec("max_detections", .int, default: .int(100), help: "detections kept per image, over all classes"),
            ParameterSpec("max_proposals", .int, default: .int(maxProposals), help: proposalsHelp),
            ParameterSpec("box_voting", .float, default: .float(0), help: "box voting after NMS: each detection becomes the score-weighted mean of its class's candidates overlapping it by at least this IoU (0: off)"),
        ]
    }

    /// The post-processing `score_threshold`, `nms` and `max_detections` ask for; throws
    /// `StageError` naming the pipeline file when they are out of range.
    static func postprocessing(_ parameters: StageParameters, scoreThreshold: Float) throws -> DetectionPostprocessing {
        let threshold = parameters.float("score_threshold", default: Double(scoreThreshold))
        let nms = parameters.float("nms", default: 0.3)
        let cap = parameters.int("max_detections", default: 100)
        let voting = parameters.float("box_voting", default: 0)
        guard (0...1).contains(nms), cap >= 1, threshold.isFinite, (0...1).contains(voting) else {
            throw StageError(file: parameters.file, problem: "nms and box_voting must be in [0, 1], max_detections at least 1, score_threshold finite")
        }
        return DetectionPostprocessing(scoreThreshold: Float(threshold), iouThreshold: nms, maxDetections: cap,
                                       votingThreshold: voting > 0 ? voting : nil)
    }

    /// `max_proposals` (default `fallback`), at least 1, or a `StageError` naming the pipeline file.
    static func maxProposals(_ parameters: StageParameters, default fallback: Int = 2000) throws -> Int {
        let value = parameters.int("max_proposals", default: fallback)
        guard value >= 1 else { throw StageError(file: parameters.file, problem: "max_proposals must be at least 1") }
        return value
    }

    /// `refine`: rounds of iterative box regression after the first (Fast R-CNN heads only).
    static let refineSpec = ParameterSpec("refine", .int, default: .int(0),
                                          help: "rounds of iterative box regression: the detections pooled again and regressed once more (0: off)")

    /// `refine` (default 0), from 0 to 5, or a `StageError` naming the pipeline file.
    static func refinementRounds(_ parameters: StageParameters) throws -> Int {
        let value = parameters.int("refine", default: 0)
        guard (0...5).contains(value) else { throw StageError(file: parameters.file, problem: "refine must be from 0 to 5") }
        return value
    }
}
