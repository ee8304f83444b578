// SegmentationMetrics: the four numbers of the FCN paper (Long, Shelhamer, Darrell, "Fully
// Convolutional Networks for Semantic Segmentation", CVPR 2015, section 5) and per-class IoU,
// computed from a ConfusionMatrix as FCN's score.py computes them.
//
// With n_ij the pixels of class i predicted as j and t_i = Σ_j n_ij the pixels of class i:
//   pixel accuracy          Σ_i n_ii / Σ_i t_i
//   mean class accuracy     (1/n_cl) Σ_i n_ii / t_i
//   mean IoU                (1/n_cl) Σ_i n_ii / (t_i + Σ_j n_ji − n_ii)
//   frequency-weighted IoU  (Σ_k t_k)^-1 Σ_i t_i n_ii / (t_i + Σ_j n_ji − n_ii)
// score.py takes the means with numpy's nanmean over the classes, so n_cl counts only classes
// whose ratio is defined:
// - a class absent from the ground truth (t_i = 0) has no accuracy and is left out of the mean
//   class accuracy; its IoU is 0 if it was predicted somewhere (its false positives count) and
//   undefined if it was not;
// - a class absent from both ground truth and prediction has neither and is left out of both
//   means (score.py's NaN);
// - the frequency-weighted IoU sums over classes with t_i > 0 only.
// Undefined values are nil here (null in JSON). Counted pixels predicted as a non-class value
// belong to t_i and to no column (see ConfusionMatrix), i.e. they are misses.

/// Pixel accuracy, mean class accuracy, mean IoU, frequency-weighted IoU and per-class figures.
public struct SegmentationMetrics: Sendable, Equatable {
    /// Σ n_ii / Σ t_i; nil when no pixel was counted.
    public var pixelAccuracy: Double?
    /// Mean over classes present in the ground truth of n_ii / t_i; nil when there are none.
    public var meanClassAccuracy: Double?
    /// Mean over classes with a defined IoU (present in ground truth or prediction); nil when none.
    public var meanIoU: Double?
    /// Σ_i (t_i / Σ t) · IoU_i over classes with t_i > 0; nil when no pixel was counted.
    public var frequencyWeightedIoU: Double?
    /// Per class (`[n]`): n_ii / (t_i + Σ_j n_ji − n_ii); nil when the class is in neither map.
    public var classIoU: [Double?]
    /// Per class (`[n]`): n_ii / t_i; nil when the class is absent from the ground truth.
    public var classAccuracy: [Double?]
    /// Per class (`[n]`): t_i, the ground-truth pixels.
    public var groundTruthPixels: [Int]
    /// Per class (`[n]`): Σ_j n_ji, the predicted pixels.
    public var predictedPixels: [Int]
    /// Classes averaged in `meanIoU`.
    public var classesInMeanIoU: Int
    /// Classes averaged in `meanClassAccuracy`.
    public var classesInMeanAccuracy: Int

    /// The metrics of `matrix`.
    public init(_ matrix: ConfusionMatrix) {
        let n = matrix.classCount
        let truths = (0..<n).map(matrix.groundTruthPixels)
        let predictions = (0..<n).map(matrix.predictedPixels)
        let diagonal = (0..<n).map { matrix[$0, $0] }
        let total = truths.reduce(0, +)
        let accuracy: [Double?] = (0..<n).map { i in
            truths[i] > 0 ? Double(diagonal[i]) / Double(truths[i]) : nil
        }
        let iou: [Double?] = (0..<n).map { i in
            let union = truths[i] + predictions[i] - diagonal[i]
            return union > 0 ? Double(diagonal[i]) / Double(union) : nil
        }
        groundTruthPixels = truths
        predictedPixels = predictions
        classAccuracy = accuracy
        classIoU = iou
        let accuracies = classAccuracy.compactMap { $0 }, ious = classIoU.compactMap { $0 }
        classesInMeanAccuracy = accuracies.count
        classesInMeanIoU = ious.count
        meanClassAccuracy = accuracies.isEmpty ? nil : accuracies.reduce(0, +) / Double(accuracies.count)
        meanIoU = ious.isEmpty ? nil : ious.reduce(0, +) / Double(ious.count)
        if total > 0 {
            pixelAccuracy = Double(diagonal.reduce(0, +)) / Double(total)
            var weighted = 0.0
            for i in 0..<n where truths[i] > 0 {
                weighted += Double(truths[i]) / Double(total) * iou[i]!
            }
            frequencyWeightedIoU = weighted
        } else {
            pixelAccuracy = nil
            frequencyWeightedIoU = nil
        }
    }
}
