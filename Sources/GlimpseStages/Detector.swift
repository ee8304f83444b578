// Detector: class-specific scored boxes (R-CNN, Fast R-CNN, MTCNN, ... as conformances).

import GlimpseImaging

/// Finds objects of known classes.
public protocol Detector: BackboneConsumer, Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The class names; a box's `label` indexes this list.
    var categories: [String] { get }

    /// The category id of each of `categories` in the data the detector was trained on (a COCO
    /// file's ids, which may have gaps); exported boxes carry these. Default: 1, 2, 3, ...
    var categoryIDs: [Int] { get }

    /// Whether `detect` needs region proposals (R-CNN does, a single-shot detector does not); a
    /// pipeline file with such a detector and no proposer is rejected at load.
    var needsProposals: Bool { get }

    /// Detections in the image's pixel coordinates with `label` and `score` set, highest score
    /// first. `input.proposals` holds the region proposer's boxes.
    func detect(_ input: StageInput) throws -> [BoundingBox]

    /// `detect`'s boxes, each with the keypoints the detector finds in it (MTCNN's five facial
    /// landmarks) in the image's pixel coordinates. Default: `detect` with no keypoints.
    func detectWithLandmarks(_ input: StageInput) throws -> [(box: BoundingBox, landmarks: [Landmark])]

    /// `detectWithLandmarks` of each of a batch of images, in order: each image's boxes or its
    /// own error (a bad image fails alone). Default: one call per image.
    func detectWithLandmarks(_ inputs: [StageInput]) -> [Result<[(box: BoundingBox, landmarks: [Landmark])], any Error>]
}

extension Detector {
    /// 1, 2, ..., `categories.count`.
    public var categoryIDs: [Int] { categories.indices.map { $0 + 1 } }

    /// `detect`'s boxes without keypoints.
    public func detectWithLandmarks(_ input: StageInput) throws -> [(box: BoundingBox, landmarks: [Landmark])] {
        try detect(input).map { ($0, []) }
    }

    /// One `detectWithLandmarks` per image.
    public func detectWithLandmarks(_ inputs: [StageInput]) -> [Result<[(box: BoundingBox, landmarks: [Landmark])], any Error>] {
        inputs.map { input in Result { try detectWithLandmarks(input) } }
    }
}
