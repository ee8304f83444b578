// ImageResult: everything the pipeline found in one image, as written to its per-image JSON.
// No timings (they go to the ledger), so the file is the same byte for byte on every run.
// ImageResult+JSON.swift converts it to and from JSON.

import GlimpseImaging
import GlimpseStages

/// A box as written to JSON: corners in pixels, class index and name, score.
public struct BoxRecord: Sendable, Equatable {
    /// Left edge.
    public var x0: Float
    /// Top edge.
    public var y0: Float
    /// Right edge.
    public var x1: Float
    /// Bottom edge.
    public var y1: Float
    /// Index into the stage's categories.
    public var label: Int
    /// The category's name.
    public var category: String
    /// The stage's score (higher is better; proposals get 1 / (1 + rank)).
    public var score: Float
    /// Keypoints in the box (a face detector's five landmarks), nil for detectors without them.
    public var landmarks: [Landmark]?

    /// Creates a record from a stage's box.
    public init(_ box: BoundingBox, category: String, score: Float, landmarks: [Landmark]? = nil) {
        (x0, y0, x1, y1, label) = (box.x0, box.y0, box.x1, box.y1, box.label)
        self.category = category
        self.score = score
        self.landmarks = landmarks
    }

    /// The box back as a `BoundingBox`.
    public var box: BoundingBox { BoundingBox(x0: x0, y0: y0, x1: x1, y1: y1, label: label, score: score) }
}

/// The segmenter's output as recorded in JSON: the label-map file and the classes present.
public struct SegmentationRecord: Sendable, Equatable {
    /// The label-map PNG, relative to the output folder.
    public var labelMap: String
    /// Names of the class ids present, ascending by id.
    public var classes: [String]
    /// Class ids present, ascending.
    public var ids: [Int]

    /// Creates a record.
    public init(labelMap: String, classes: [String], ids: [Int]) {
        (self.labelMap, self.classes, self.ids) = (labelMap, classes, ids)
    }
}

/// A head stage that judged the image out of its training domain, so its output was skipped.
public struct OutOfDomainRecord: Sendable, Equatable {
    /// The stage that skipped the image.
    public var stage: StageKind
    /// The image's distance from the stage's training summary (`FeatureDomain.distance`).
    public var distance: Float
    /// The largest distance the stage accepts.
    public var threshold: Float

    /// Creates a record.
    public init(stage: StageKind, distance: Float, threshold: Float) {
        (self.stage, self.distance, self.threshold) = (stage, distance, threshold)
    }
}

/// One image's results.
public struct ImageResult: Sendable, Equatable {
    /// The input path as given (or found under a given folder).
    public var input: String
    /// Decoded width.
    public var width: Int
    /// Decoded height.
    public var height: Int
    /// The classifier's top classes, most probable first.
    public var classes: [ClassScore]?
    /// The pooled feature vector, when asked for.
    public var features: [Float]?
    /// Region proposals, best first, when asked for.
    public var proposals: [BoxRecord]?
    /// Detections, highest score first.
    public var detections: [BoxRecord]?
    /// The segmentation, when a segmenter ran.
    public var segmentation: SegmentationRecord?
    /// Captions, best first.
    public var captions: [Caption]?
    /// The head stages that found the image out of their domain and gave no output for it, in
    /// pipeline order; nil when every stage ran.
    public var outOfDomain: [OutOfDomainRecord]?

    /// An empty result for an image of the given size.
    public init(input: String, width: Int, height: Int) {
        (self.input, self.width, self.height) = (input, width, height)
    }

    /// The score the report sorts by: the best detection, else the top class's probability.
    public var headlineScore: Float {
        detections?.first?.score ?? classes?.first?.probability ?? 0
    }

    /// Whether `stage` judged the image out of its domain.
    public func isOutOfDomain(for stage: StageKind) -> Bool {
        outOfDomain?.contains { $0.stage == stage } ?? false
    }

    /// The boxes drawn and exported to COCO: detections when there are any stage for them,
    /// otherwise proposals (class-agnostic).
    public var exportedBoxes: [BoxRecord]? {
        detections ?? proposals
    }
}
