// RegionProposer: class-agnostic candidate object boxes (R-CNN's first stage; selective
// search is the first conformance).

import GlimpseImaging

/// Proposes boxes that may hold an object, best first.
public protocol RegionProposer: BackboneConsumer, Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// Candidate boxes in the image's pixel coordinates, best first, at most the
    /// conformance's configured cap. `label` is 0; `score`, when set, is the proposer's
    /// priority (lower rank values are better, as in selective search's ranking).
    /// Deterministic for a given image and configuration.
    func propose(_ input: StageInput) throws -> [BoundingBox]

    /// `propose` of each of a batch of images, in order: each image's boxes or its own error (a
    /// bad image fails alone). Default: one call per image.
    func propose(_ inputs: [StageInput]) -> [Result<[BoundingBox], any Error>]
}

extension RegionProposer {
    /// One `propose` per image.
    public func propose(_ inputs: [StageInput]) -> [Result<[BoundingBox], any Error>] {
        inputs.map { input in Result { try propose(input) } }
    }
}
