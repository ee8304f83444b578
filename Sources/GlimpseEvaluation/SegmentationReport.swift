// SegmentationReport: everything a segmentation evaluation found, as one JSON document
// (`glimpse eval segmentation --json`), so that a later script needs no other output.
//
// Undefined figures (score.py's NaN: a class in neither map, no counted pixel) are null, never
// a number; counts are integers; the confusion matrix is `rows[groundTruth][predicted]`.

import GlimpseSerialization

extension SegmentationMetrics {
    /// The four figures and, per class, IoU, accuracy and pixel counts under `names` (`[n]`).
    public func json(names: [String]) -> JSONValue {
        precondition(names.count == classIoU.count, "SegmentationMetrics.json: \(names.count) names for \(classIoU.count) classes")
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        let classes = names.indices.map { i in
            JSONValue.object([
                ("id", .integer(i)), ("name", .string(names[i])),
                ("iou", number(classIoU[i])), ("accuracy", number(classAccuracy[i])),
                ("ground_truth_pixels", .integer(groundTruthPixels[i])),
                ("predicted_pixels", .integer(predictedPixels[i])),
            ])
        }
        return .object([
            ("pixel_accuracy", number(pixelAccuracy)),
            ("mean_class_accuracy", number(meanClassAccuracy)),
            ("mean_iou", number(meanIoU)),
            ("frequency_weighted_iou", number(frequencyWeightedIoU)),
            ("classes_in_mean_iou", .integer(classesInMeanIoU)),
            ("classes_in_mean_accuracy", .integer(classesInMeanAccuracy)),
            ("classes", .array(classes)),
        ])
    }
}

extension ConfusionMatrix {
    /// Rows (ground truth) of counts, the out-of-range and ignored pixels.
    public func json() -> JSONValue {
        let rows = (0..<classCount).map { g in JSONValue.array((0..<classCount).map { .integer(self[g, $0]) }) }
        let byValue = (0..<256).filter { outOfRangePredictions[$0] > 0 }.map {
            JSONValue.object([("value", .integer($0)), ("pixels", .integer(outOfRangePredictions[$0]))])
        }
        return .object([
            ("rows", .array(rows)),
            ("out_of_range_by_class", .array(outOfRangeByClass.map(JSONValue.integer))),
            ("out_of_range_predictions", .array(byValue)),
            ("ignored_pixels", .integer(ignoredPixels)),
            ("counted_pixels", .integer(countedPixels)),
        ])
    }
}

extension SegmentationEvaluation {
    /// The whole evaluation: inputs, classes, metrics, the confusion matrix and the files with
    /// out-of-range predictions.
    public func json(classes: SegmentationClasses) -> JSONValue {
        let metrics = SegmentationMetrics(matrix)
        return .object([
            ("ground_truth", .string(pairs.groundTruthFolder)),
            ("prediction", .string(pairs.predictionFolder)),
            ("label_maps", .integer(pairs.relativePaths.count)),
            ("unmatched_predictions", .integer(pairs.unmatchedPredictions.count)),
            ("ignore_label", matrix.ignoreLabel.map { .integer(Int($0)) } ?? .null),
            ("class_names_from", .string(classes.source)),
            ("metrics", metrics.json(names: classes.names)),
            ("confusion_matrix", matrix.json()),
            ("out_of_range_files", .array(outOfRangeFiles.map {
                .object([("path", .string($0.path)), ("pixels", .integer($0.pixels))])
            })),
        ])
    }
}
