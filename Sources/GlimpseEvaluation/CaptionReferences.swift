// CaptionReferences: the reference captions of each ground-truth image, all of them or all but
// the first (the human-agreement bar holds the first one out as a candidate).

import GlimpseDatasets

/// The reference sentences per ground-truth image, in the ground truth's image order.
public struct CaptionReferences: Sendable {
    /// Image ids, in the ground truth's order.
    public var imageIDs: [Int]
    /// Their file names.
    public var fileNames: [String]
    /// The references scored against, per image.
    public var references: [[String]]
    /// Each image's first reference (file order): the human candidate of the agreement bar.
    public var firstReferences: [String]
    /// Which references are kept.
    public var referenceSet: CaptionEvaluation.ReferenceSet

    /// The references of `groundTruth` (read from `file`, named in errors). Every image needs at
    /// least one reference, two with `.withoutFirst`.
    public init(_ groundTruth: COCOCaptions, file: String, referenceSet: CaptionEvaluation.ReferenceSet)
        throws(EvaluationError) {
        let byImage = groundTruth.captionsByImage()
        let needed = referenceSet == .all ? 1 : 2
        guard !groundTruth.images.isEmpty else {
            throw EvaluationError(.invalidEntry, file: file, "the ground truth has no images")
        }
        (imageIDs, fileNames, references, firstReferences) = ([], [], [], [])
        self.referenceSet = referenceSet
        for image in groundTruth.images {
            let captions = byImage[image.id] ?? []
            guard captions.count >= needed else {
                throw EvaluationError(.invalidEntry, file: file, entry: "image \(image.id) (\(image.fileName))",
                                      "\(captions.count) reference caption\(captions.count == 1 ? "" : "s"); "
                                      + (referenceSet == .all ? "at least 1 is needed"
                                         : "at least 2 are needed when the first is held out"))
            }
            imageIDs.append(image.id)
            fileNames.append(image.fileName)
            firstReferences.append(captions[0])
            references.append(referenceSet == .all ? captions : Array(captions.dropFirst()))
        }
    }
}
