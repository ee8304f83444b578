// FeatureDomain: a summary of the feature vectors a stage was trained on, kept in its weights
// file's metadata, and the rule that tells an image from elsewhere (a cat photo shown to a
// captioner of synthetic digit scenes) so the stage can stay silent rather than describe it.
//
// The summary is a diagonal Gaussian: per-dimension mean m_j and standard deviation s_j of the
// N training vectors (population std, divided by N). An image's vector f is scored by
//
//     d(f) = sqrt( (1/D) * sum_j ((f_j - m_j) / s_j)^2 )
//
// the root-mean-square z-score over the D dimensions (a Mahalanobis distance under a diagonal
// covariance, divided by sqrt(D) so it does not grow with D: a training-like vector scores
// about 1 whatever D is). s_j is floored at `relativeStdFloor` x the mean of the s_j, so a
// dimension that never varied in training (a ReLU unit that was always 0) gives a large but
// finite z when it does move, rather than infinity.
//
// The threshold is `margin` x the `quantile`-quantile of the training vectors' own distances
// (linear interpolation between order statistics, NumPy's default). Defaults, and why:
// - quantile 0.999: with a few hundred training images this is (almost) the farthest one, so
//   no training image is flagged; with many thousands it ignores the farthest 0.1%, so a
//   handful of corrupt or mislabelled training images does not stretch the threshold.
// - margin 1.5: the mean and std were fitted on the training vectors themselves, so unseen
//   images of the same domain sit a little farther than the training ones do; 1.5x leaves
//   room for that, while images of another domain land several times farther (every
//   dimension off by a few std at once).
// A distance that is not a number (a NaN or infinite feature) counts as out of domain.

/// Whether one feature vector lies in a stage's training domain.
public struct DomainVerdict: Sendable, Equatable {
    /// The vector's distance `FeatureDomain.distance(_:)` from the training summary.
    public var distance: Float
    /// The largest distance still in the domain.
    public var threshold: Float
    /// True when `distance` is above `threshold` (or not a number).
    public var outOfDomain: Bool

    /// Creates a verdict.
    public init(distance: Float, threshold: Float, outOfDomain: Bool) {
        (self.distance, self.threshold, self.outOfDomain) = (distance, threshold, outOfDomain)
    }
}

/// The per-dimension mean and std of a stage's training feature vectors and the distance
/// beyond which an image is out of its domain (see the file header for the rule).
public struct FeatureDomain: Sendable, Equatable {
    /// Per-dimension mean of the training vectors, `[D]`.
    public let mean: [Float]
    /// Per-dimension standard deviation, floored (every entry > 0), `[D]`.
    public let std: [Float]
    /// The largest in-domain distance: `margin` x the `quantile` of the training distances.
    public let threshold: Float
    /// The quantile of the training distances the threshold starts from, in [0, 1].
    public let quantile: Float
    /// The factor applied to that quantile, > 0.
    public let margin: Float

    /// A dimension's std is at least this fraction of the mean std (dead dimensions).
    public static let relativeStdFloor: Float = 1e-2
    /// The default quantile of the training distances (see the file header).
    public static let defaultQuantile: Float = 0.999
    /// The default margin over that quantile (see the file header).
    public static let defaultMargin: Float = 1.5
    /// The rule in one sentence, written beside the numbers in a weights file.
    public static let rule = "An image is out of domain when sqrt(mean_j((f_j - mean_j) / std_j)^2) of its feature vector f"
        + " exceeds threshold = margin x the quantile-quantile of the training images' own distances."

    /// Summarises `trainingFeatures` (N vectors `[D]` each, N >= 1, D >= 1, all finite).
    public init(trainingFeatures: [[Float]], quantile: Float = FeatureDomain.defaultQuantile,
                margin: Float = FeatureDomain.defaultMargin) {
        precondition(!trainingFeatures.isEmpty, "FeatureDomain: no training feature vectors")
        let d = trainingFeatures[0].count
        precondition(d > 0, "FeatureDomain: empty feature vectors")
        precondition(trainingFeatures.allSatisfy { $0.count == d }, "FeatureDomain: feature vectors of different lengths")
        precondition(trainingFeatures.allSatisfy { $0.allSatisfy(\.isFinite) }, "FeatureDomain: a training feature is not finite")
        precondition(quantile >= 0 && quantile <= 1, "FeatureDomain: quantile \(quantile) not in [0, 1]")
        precondition(margin > 0 && margin.isFinite, "FeatureDomain: margin \(margin) must be positive")
        let n = Double(trainingFeatures.count)
        var sum = [Double](repeating: 0, count: d)
        for f in trainingFeatures { for j in 0..<d { sum[j] += Double(f[j]) } }
        let mean = sum.map { $0 / n }
        var squares = [Double](repeating: 0, count: d)
        for f in trainingFeatures { for j in 0..<d { let e = Double(f[j]) - mean[j]; squares[j] += e * e } }
        let rawStd = squares.map { ($0 / n).squareRoot() }
        let meanStd = rawStd.reduce(0, +) / Double(d)
        // all vectors identical: no scale to be relative to, so distances are in feature units
        let floor = meanStd > 0 ? Double(Self.relativeStdFloor) * meanStd : 1
        let storedMean = mean.map { Float($0) }
        let storedStd = rawStd.map { Float(max($0, floor)) }
        // distances use the stored Float mean and std, exactly as `distance(_:)` will
        let distances = trainingFeatures.map { Self.distance($0, mean: storedMean, std: storedStd) }.sorted()
        self.init(mean: storedMean, std: storedStd, threshold: margin * Self.interpolatedQuantile(distances, quantile),
                  quantile: quantile, margin: margin)
    }

    /// A summary from its parts as stored (no checks: `init?(metadata:file:)` makes them).
    init(mean: [Float], std: [Float], threshold: Float, quantile: Float, margin: Float) {
        (self.mean, self.std, self.threshold, self.quantile, self.margin) = (mean, std, threshold, quantile, margin)
    }

    /// The number of dimensions D.
    public var dimension: Int { mean.count }

    /// The root-mean-square z-score of `f` (`[D]`) against the training mean and std.
    public func distance(_ f: [Float]) -> Float {
        precondition(f.count == mean.count, "FeatureDomain: a feature vector of \(f.count) values, expected \(mean.count)")
        return Self.distance(f, mean: mean, std: std)
    }

    /// The distance of `f` (`[D]`), the threshold and whether `f` is out of domain.
    public func verdict(_ f: [Float]) -> DomainVerdict {
        let d = distance(f)
        // written as "not within" so a NaN distance is out of domain
        return DomainVerdict(distance: d, threshold: threshold, outOfDomain: !(d <= threshold))
    }

    private static func distance(_ f: [Float], mean: [Float], std: [Float]) -> Float {
        var sum = 0.0
        for j in 0..<f.count {
            let z = (Double(f[j]) - Double(mean[j])) / Double(std[j])
            sum += z * z
        }
        return Float((sum / Double(f.count)).squareRoot())
    }

    /// The q-quantile of ascending `sorted` values, interpolating linearly between neighbours.
    static func interpolatedQuantile(_ sorted: [Float], _ q: Float) -> Float {
        let position = Double(q) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return Float(Double(sorted[lower]) + fraction * (Double(sorted[upper]) - Double(sorted[lower])))
    }
}
