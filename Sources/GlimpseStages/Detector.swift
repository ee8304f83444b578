// Detector: class-specific scored boxes (R-CNN, Fast R-CNN, MTCNN, ... as conformances).

import GlimpseImaging

/// Finds objects of known classes.
public protocol Detector: Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The class names; a box's `label` indexes this list.
    var categories: [String] { get }

    /// Whether `detect` needs region proposals (R-CNN does, a single-shot detector does not).
    var needsProposals: Bool { get }

    /// Detections in the image's pixel coordinates with `label` and `score` set, highest score
    /// first. `proposals` holds the region proposer's boxes (empty when there is no proposer).
    func detect(in image: Image, proposals: [BoundingBox]) throws -> [BoundingBox]
}
