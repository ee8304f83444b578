// SegmentationMetricsTests: the FCN paper's four figures and per-class IoU on matrices small
// enough to check by hand, including each convention for absent classes.

import GlimpseEvaluation
import GlimpseImaging
import Testing

@Suite("Segmentation metrics")
struct SegmentationMetricsTests {
    func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

    /// Class 2 is only predicted (once), class 3 is in neither map:
    ///   rows [[3,1,1,0],[1,2,0,0],[0,0,0,0],[0,0,0,0]], t = (5,3,0,0), column sums (4,3,1,0).
    @Test func handComputedMatrixWithClassesAbsentFromGroundTruthAndFromBoth() {
        let matrix = ConfusionMatrix(rows: [[3, 1, 1, 0], [1, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
        let m = SegmentationMetrics(matrix)
        #expect(m.groundTruthPixels == [5, 3, 0, 0] && m.predictedPixels == [4, 3, 1, 0])
        #expect(close(m.pixelAccuracy, 5.0 / 8))
        // Accuracy is undefined for classes 2 and 3 (no ground truth): mean of 3/5 and 2/3.
        #expect(m.classAccuracy[2] == nil && m.classAccuracy[3] == nil)
        #expect(close(m.meanClassAccuracy, (3.0 / 5 + 2.0 / 3) / 2) && m.classesInMeanAccuracy == 2)
        // IoU: 3/(5+4-3), 2/(3+3-2), class 2 predicted but absent: 0/(0+1-0) = 0, class 3: undefined.
        #expect(close(m.classIoU[0], 0.5) && close(m.classIoU[1], 0.5) && close(m.classIoU[2], 0))
        #expect(m.classIoU[3] == nil)
        #expect(close(m.meanIoU, 1.0 / 3) && m.classesInMeanIoU == 3)
        // Frequency-weighted: only classes with ground truth, 5/8·0.5 + 3/8·0.5.
        #expect(close(m.frequencyWeightedIoU, 0.5))
    }

    @Test func aPredictionOutsideTheClassesIsAMissOfItsGroundTruthClass() {
        var matrix = ConfusionMatrix(classCount: 2)
        let truth = LabelMap(width: 4, height: 1, ids: [0, 0, 0, 1])
        matrix.add(groundTruth: truth, prediction: LabelMap(width: 4, height: 1, ids: [0, 0, 9, 1]))
        let m = SegmentationMetrics(matrix)
        // t_0 = 3 (the miss included), diagonal 2, column 0 = 2.
        #expect(close(m.classAccuracy[0], 2.0 / 3) && close(m.classIoU[0], 2.0 / 3))
        #expect(close(m.classIoU[1], 1) && close(m.pixelAccuracy, 0.75))
        #expect(close(m.meanIoU, 5.0 / 6) && close(m.frequencyWeightedIoU, 0.75 * 2 / 3 + 0.25))
    }

    @Test func aPerfectPredictionScoresOneEverywhereItIsDefined() {
        var matrix = ConfusionMatrix(classCount: 5)
        let truth = LabelMap(width: 6, height: 1, ids: [0, 1, 1, 3, 255, 3])
        matrix.add(groundTruth: truth, prediction: truth)
        let m = SegmentationMetrics(matrix)
        #expect(m.pixelAccuracy == 1 && m.meanClassAccuracy == 1 && m.meanIoU == 1 && m.frequencyWeightedIoU == 1)
        #expect(m.classIoU == [1, 1, nil, 1, nil] && m.classesInMeanIoU == 3)
    }

    @Test func nothingCountedLeavesEveryFigureUndefined() {
        var matrix = ConfusionMatrix(classCount: 3)
        matrix.add(groundTruth: LabelMap(width: 2, height: 1, fill: 255), prediction: LabelMap(width: 2, height: 1, fill: 1))
        let m = SegmentationMetrics(matrix)
        #expect(m.pixelAccuracy == nil && m.meanClassAccuracy == nil && m.meanIoU == nil && m.frequencyWeightedIoU == nil)
        #expect(m.classIoU == [nil, nil, nil])
    }

    @Test func jsonWritesUndefinedFiguresAsNull() {
        let m = SegmentationMetrics(ConfusionMatrix(rows: [[1, 0], [0, 0]]))
        let text = m.json(names: ["background", "digit"]).serialized()
        #expect(text.contains(#""name":"digit","iou":null,"accuracy":null"#))
        #expect(text.hasPrefix(#"{"pixel_accuracy":1,"mean_class_accuracy":1,"mean_iou":1,"frequency_weighted_iou":1"#))
    }
}
