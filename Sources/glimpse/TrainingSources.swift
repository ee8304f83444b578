// TrainingSources: where `glimpse train detector`, `train segmenter` and `train proposer` find their
// images: a scene set's train and val splits, or any labelled folder (split, COCO, VOC) with an
// optional --val folder, else a hold-out of its last images.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseTraining

/// The training and validation sources of a trainer's --data / --val / --validation / --limit.
struct TrainingSources {
    /// The training source and its name (for messages and metadata).
    var train: any LabelledImageSource, trainName: String
    /// The validation source and its name; nil: a hold-out of `train`.
    var val: (any LabelledImageSource)?, valName: String?
    /// The items of `train` trained on.
    var trainIndices: [Int]
    /// The items of `train` held out for validation (empty with a validation source).
    var heldOut: [Int]

    /// Opens `data` (a scene set's root, or a split, COCO or VOC folder) and `val`; without a
    /// validation source, the last `validation` items of `data` are held out; `limit` keeps the
    /// first training items. Throws naming the folder when nothing would be left to train on.
    init(data: String, val: String?, validation: Int, limit: Int?) throws {
        let fm = FileManager.default
        let root = ProjectPaths.resolve(data)
        if val == nil && fm.fileExists(atPath: root + "/train/instances.json") {
            let valRoot = root + "/val"
            (train, trainName) = (try SceneFolder(directory: root + "/train"), root + "/train")
            let hasVal = fm.fileExists(atPath: valRoot + "/instances.json")
            (self.val, valName) = (hasVal ? try SceneFolder(directory: valRoot) : nil, hasVal ? valRoot : nil)
        } else {
            (train, trainName) = (try LabelledSourceFolder.open(root), root)
            if let val {
                let valRoot = ProjectPaths.resolve(val)
                (self.val, valName) = (try LabelledSourceFolder.open(valRoot), valRoot)
            }
        }
        trainIndices = Array(0..<train.count)
        heldOut = []
        if self.val == nil {
            guard validation < trainIndices.count else {
                throw TrainingError.badOption("--validation \(validation) leaves no training images of \(trainIndices.count) in \(trainName)")
            }
            heldOut = Array(trainIndices.suffix(validation))
            trainIndices.removeLast(validation)
        }
        if let limit { trainIndices = Array(trainIndices.prefix(limit)) }
    }
}

/// `--data`, `--val`, `--validation` and `--limit`: where a trainer on labelled images (boxes,
/// label maps) finds its training and validation images.
struct TrainingDataOptions: ParsableArguments {
    @Option(help: "Training data: a scene set, split folder, COCO folder or VOC folder (with boxes, or label maps for a segmenter).")
    var data: String
    @Option(help: "Validation data (default: the scene set's val split, else a hold-out of --validation images).")
    var val: String?
    @Option(help: "Images held out for validation when there is no val split.")
    var validation = 50
    @Option(help: "Use only the first N training images.")
    var limit: Int?

    func validate() throws {
        guard validation >= 1 else { throw ValidationError("--validation must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// The sources these options name.
    func sources() throws -> TrainingSources {
        try TrainingSources(data: data, val: val, validation: validation, limit: limit)
    }
}
