// COCOEvaluationParameters: what pycocotools' `Params` (iouType 'bbox' or 'segm') holds.
//
// The IoU and recall thresholds are built the way numpy's `linspace` builds them
// (start + i * step, the last value set to the stop exactly), because matching compares IoUs
// with `<` against these exact doubles: 0.5 + 5 * 0.05 written by hand is not numpy's 0.75.

/// Box or mask overlap.
public enum COCOIoUType: String, Sendable, CaseIterable {
    /// Boxes `[x, y, w, h]`.
    case bbox
    /// Instance masks (RLE or polygons).
    case segm
}

/// An object-size range in pixels, bounds inclusive (pycocotools ignores `area < lower` or
/// `area > upper`).
public struct COCOAreaRange: Sendable, Equatable {
    /// "all", "small", "medium" or "large".
    public var label: String
    /// Smallest area in range.
    public var lower: Double
    /// Largest area in range.
    public var upper: Double

    /// Creates a range.
    public init(label: String, lower: Double, upper: Double) { (self.label, self.lower, self.upper) = (label, lower, upper) }
}

/// The evaluation settings of pycocotools' `Params` for detection.
public struct COCOEvaluationParameters: Sendable, Equatable {
    /// Box or mask IoU.
    public var iouType: COCOIoUType
    /// 0.50, 0.55, ..., 0.95 as numpy's linspace(.5, .95, 10).
    public var iouThresholds: [Double]
    /// 0.00, 0.01, ..., 1.00 as numpy's linspace(0, 1, 101).
    public var recallThresholds: [Double]
    /// Detections kept per image and category, ascending; the summary reads three of them
    /// (index 0, 1 and 2 as AR@1, AR@10, AR@100 by default).
    public var maxDetections: [Int]
    /// all, small (< 32²), medium (32²-96²), large (> 96²), on the annotation's `area`.
    public var areaRanges: [COCOAreaRange]

    /// pycocotools' defaults; `maxDetections` must hold three ascending positive values.
    public init(iouType: COCOIoUType, maxDetections: [Int] = [1, 10, 100]) {
        precondition(maxDetections.count == 3 && maxDetections == maxDetections.sorted() && maxDetections[0] >= 1,
                     "COCOEvaluationParameters: maxDetections must be three ascending positive counts")
        self.iouType = iouType
        iouThresholds = Self.linspace(0.5, 0.95, count: Int((((0.95 - 0.5) / 0.05)).rounded()) + 1)
        recallThresholds = Self.linspace(0.0, 1.0, count: Int(((1.0 - 0.0) / 0.01).rounded()) + 1)
        self.maxDetections = maxDetections
        areaRanges = [COCOAreaRange(label: "all", lower: 0, upper: 1e10),
                      COCOAreaRange(label: "small", lower: 0, upper: 32 * 32),
                      COCOAreaRange(label: "medium", lower: 32 * 32, upper: 96 * 96),
                      COCOAreaRange(label: "large", lower: 96 * 96, upper: 1e10)]
    }

    /// numpy's `linspace(start, stop, count)` with the endpoint: start + i * ((stop - start) /
    /// (count - 1)), the last value exactly `stop`.
    public static func linspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        precondition(count >= 2, "linspace: need at least two points")
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }

    /// Whether these are pycocotools' default maxDets [1, 10, 100].
    public var hasDefaultMaxDetections: Bool { maxDetections == [1, 10, 100] }
}
