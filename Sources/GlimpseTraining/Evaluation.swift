// Evaluation: accuracy and the confusion matrix of a classifier over a labelled set.

import GlimpseDatasets
import GlimpseNN
import GlimpseTensor

/// Accuracy and confusion matrix of a classifier on a labelled set.
public struct ClassificationReport: Sendable, Equatable {
    /// `confusion[truth][predicted]` counts.
    public var confusion: [[Int]]
    /// Every prediction, in evaluation order.
    public var predictions: [Int] = []

    /// Creates an empty report for `classes` classes.
    public init(classes: Int) {
        confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// Images evaluated.
    public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Images classified correctly.
    public var correct: Int { confusion.indices.reduce(0) { $0 + confusion[$1][$1] } }
    /// Fraction classified correctly (0 when empty).
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Adds one prediction.
    public mutating func record(truth: Int, predicted: Int) {
        confusion[truth][predicted] += 1
        predictions.append(predicted)
    }

    /// The confusion matrix as aligned text, truth in rows and predictions in columns.
    public func formattedConfusion(labels: [String]? = nil) -> String {
        let names = labels ?? confusion.indices.map(String.init)
        let width = max(6, (confusion.flatMap { $0 }.max() ?? 0).description.count + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = ["truth\\pred".padding(toLength: 11, withPad: " ", startingAt: 0) + names.map(pad).joined()]
        for (row, counts) in confusion.enumerated() {
            lines.append(names[row].padding(toLength: 11, withPad: " ", startingAt: 0) + counts.map { pad(String($0)) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs a classifier over batches and tallies its predictions.
public enum ClassifierEvaluation {
    /// Accuracy and confusion matrix of `model` (`[N, C, H, W]` images to `[N, K]` logits) on
    /// `dataset`, `batchSize` images at a time.
    public static func evaluate(_ model: some Layer, on dataset: some ClassificationData, batchSize: Int = 500,
                                halfPrecisionActivations: Bool = false) -> ClassificationReport {
        evaluate(model, count: dataset.count, classes: dataset.classCount, batchSize: batchSize,
                 halfPrecisionActivations: halfPrecisionActivations) { range in
            dataset.batch(range)
        }
    }

    /// Evaluates `model` on `count` images fetched batch by batch.
    ///
    /// - Parameters:
    ///   - batch: returns images `[B, C, H, W]` and `B` labels for a range of indices.
    ///   - halfPrecisionActivations: round every layer's output to Float16 (a `Sequential` only).
    public static func evaluate(_ model: some Layer, count: Int, classes: Int, batchSize: Int = 500,
                                halfPrecisionActivations: Bool = false,
                                batch: (Range<Int>) -> (images: Tensor, labels: [Int])) -> ClassificationReport {
        var report = ClassificationReport(classes: classes)
        var start = 0
        while start < count {
            let range = start..<min(start + batchSize, count)
            let (images, labels) = batch(range)
            let logits: Tensor
            if halfPrecisionActivations, let sequential = model as? Sequential {
                logits = sequential(images, halfPrecisionActivations: true)
            } else {
                logits = model(images)
            }
            for (truth, predicted) in zip(labels, logits.argmaxRows()) {
                report.record(truth: truth, predicted: predicted)
            }
            start = range.upperBound
        }
        return report
    }
}
