// ConfusionMatrixTests: counting by hand-computed cases (ignore label, out-of-range predictions,
// unknown ground truth), merging equals adding, restricting equals counting over fewer classes,
// and the speed of the per-pixel loop.

import GlimpseEvaluation
import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Confusion matrix")
struct ConfusionMatrixTests {
    func map(_ ids: [UInt8]) -> LabelMap { LabelMap(width: ids.count, height: 1, ids: ids) }

    @Test func countsRowsAsGroundTruthAndColumnsAsPredictionSkippingTheIgnoreLabel() {
        var matrix = ConfusionMatrix(classCount: 3)
        matrix.add(groundTruth: map([0, 0, 1, 1, 2, 255]), prediction: map([0, 1, 1, 1, 0, 2]))
        #expect(matrix.counts == [1, 1, 0,
                                  0, 2, 0,
                                  1, 0, 0])
        #expect(matrix[0, 1] == 1 && matrix[2, 0] == 1)
        #expect(matrix.ignoredPixels == 1)
        #expect(matrix.countedPixels == 5)
        #expect(matrix.groundTruthPixels(1) == 2 && matrix.predictedPixels(0) == 2)
    }

    @Test func predictionsThatAreNotClassesAreMissesOfTheirRowInNoColumn() {
        var matrix = ConfusionMatrix(classCount: 3)
        matrix.add(groundTruth: map([0, 1, 1, 255]), prediction: map([7, 255, 1, 9]))
        #expect(matrix.counts == [0, 0, 0, 0, 1, 0, 0, 0, 0])
        #expect(matrix.outOfRangeByClass == [1, 1, 0])
        #expect(matrix.outOfRangePredictions[7] == 1 && matrix.outOfRangePredictions[255] == 1)
        // 9 fell on an ignored pixel: not counted anywhere but the ignored pixels.
        #expect(matrix.outOfRangePredictions[9] == 0 && matrix.ignoredPixels == 1)
        #expect(matrix.outOfRangePixels == 2 && matrix.countedPixels == 3)
        #expect(matrix.groundTruthPixels(0) == 1 && matrix.predictedPixels(0) == 0)
    }

    @Test func groundTruthThatIsNeitherClassNorIgnoreIsCountedApart() {
        var matrix = ConfusionMatrix(classCount: 3)
        matrix.add(groundTruth: map([4, 4, 0, 200]), prediction: map([0, 0, 0, 1]))
        #expect(matrix.unknownGroundTruth[4] == 2 && matrix.unknownGroundTruth[200] == 1)
        #expect(matrix.unknownGroundTruthPixels == 3 && matrix.countedPixels == 1)
        // Without an ignore label, 255 is just another value outside the classes.
        var plain = ConfusionMatrix(classCount: 3, ignoreLabel: nil)
        plain.add(groundTruth: map([255, 1]), prediction: map([1, 1]))
        #expect(plain.unknownGroundTruth[255] == 1 && plain.ignoredPixels == 0 && plain[1, 1] == 1)
    }

    @Test func anIgnoreLabelInsideTheClassRangeRemovesThatRowOnly() {
        var matrix = ConfusionMatrix(classCount: 3, ignoreLabel: 0)
        matrix.add(groundTruth: map([0, 0, 1, 2]), prediction: map([1, 2, 0, 2]))
        #expect(matrix.counts == [0, 0, 0, 1, 0, 0, 0, 0, 1])
        #expect(matrix.ignoredPixels == 2)
    }

    @Test func mergingMatricesEqualsAddingEveryPairToOne() {
        let pairs = SegmentationFixtures.randomPairs(seed: 5, count: 9)
        var all = ConfusionMatrix(classCount: 8)
        var first = ConfusionMatrix(classCount: 8), second = ConfusionMatrix(classCount: 8)
        for (k, pair) in pairs.enumerated() {
            all.add(groundTruth: pair.truth, prediction: pair.prediction)
            if k < 4 { first.add(groundTruth: pair.truth, prediction: pair.prediction) }
            else { second.add(groundTruth: pair.truth, prediction: pair.prediction) }
        }
        #expect(first.merging(second) == all)
        #expect(second.merging(first) == all)
        #expect(all.outOfRangePixels > 0 && all.ignoredPixels > 0)
    }

    @Test func restrictingA256ClassCountEqualsCountingOverFewerClasses() {
        let pairs = SegmentationFixtures.randomPairs(seed: 6, count: 5)
        var wide = ConfusionMatrix(classCount: 256), narrow = ConfusionMatrix(classCount: 6)
        for pair in pairs {
            wide.add(groundTruth: pair.truth, prediction: pair.prediction)
            narrow.add(groundTruth: pair.truth, prediction: pair.prediction)
        }
        #expect(wide.outOfRangePixels == 0)
        // Ground-truth 6 and predictions 9 / 255 fall outside 0..<6 in both.
        #expect(wide.restricted(toClassCount: 6) == narrow)
        #expect(narrow.unknownGroundTruth[6] > 0 && narrow.outOfRangePredictions[9] > 0)
    }

    @Test func aLargeRandomMapIsCountedAsByAPlainLoop() {
        // The four-lane branch-free loop against one pair at a time, on a map long enough for
        // every lane and the tail; ground truth 255 is the ignore label, predictions 21 and 30
        // are not classes (counted by value).
        var random = SeededGenerator(seed: 11)
        let side = 301
        let truthIDs: [UInt8] = (0..<(side * side)).map { _ in [0, 0, 1, 2, 3, 20, 255].randomElement(using: &random)! }
        let predictionIDs: [UInt8] = (0..<(side * side)).map { _ in [0, 1, 2, 3, 20, 21, 30].randomElement(using: &random)! }
        var matrix = ConfusionMatrix(classCount: 21)
        matrix.add(groundTruth: map(truthIDs), prediction: map(predictionIDs))
        var cells = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 256)
        var ignored = 0
        for (truth, prediction) in zip(truthIDs, predictionIDs) {
            if truth == 255 { ignored += 1 } else { cells[Int(truth)][Int(prediction)] += 1 }
        }
        #expect(matrix.ignoredPixels == ignored)
        #expect(matrix.countedPixels + matrix.ignoredPixels == side * side)
        for truth in 0..<21 {
            for prediction in 0..<21 { #expect(matrix[truth, prediction] == cells[truth][prediction]) }
        }
        for value in [21, 30] {
            #expect(matrix.outOfRangePredictions[value] == (0..<21).reduce(0) { $0 + cells[$1][value] })
        }
    }
}
