// FeatureDomain (GlimpseStages): the diagonal-Gaussian distance on hand-computed cases, the
// threshold from the quantile and margin, the floor on dead dimensions, the metadata round trip
// (exact, bit for bit) and malformed metadata errors that name the file and the key.

import GlimpseStages
import GlimpseTensor
import Testing

@Suite("Feature domain")
struct FeatureDomainTests {
    /// Expects `a` within 1e-5 (relative) of `b`.
    static func close(_ a: Float, _ b: Float, _ comment: Comment? = nil) {
        #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b) \(comment?.rawValue ?? "")")
    }

    @Test func distanceIsTheRootMeanSquareZScore() {
        // mean [1, 2], population std [1, 2]
        let domain = FeatureDomain(trainingFeatures: [[0, 0], [2, 4]])
        #expect(domain.mean == [1, 2])
        #expect(domain.std == [1, 2])
        #expect(domain.dimension == 2)
        Self.close(domain.distance([1, 2]), 0)
        Self.close(domain.distance([2, 4]), 1)               // z = (1, 1)
        Self.close(domain.distance([3, 2]), Float(2).squareRoot())  // z = (2, 0): sqrt(4 / 2)
        Self.close(domain.distance([1, -4]), Float(4.5).squareRoot())  // z = (0, -3): sqrt(9 / 2)
    }

    @Test func thresholdIsTheMarginTimesTheQuantileOfTrainingDistances() {
        // mean 80, std sqrt(200); distances sorted: 0, 1/sqrt2, 1/sqrt2, sqrt2, sqrt2
        let training: [[Float]] = [[60], [70], [80], [90], [100]]
        let r = Float(0.5).squareRoot()
        let byDefault = FeatureDomain(trainingFeatures: training)
        #expect(byDefault.quantile == 0.999 && byDefault.margin == 1.5)
        Self.close(byDefault.threshold, 1.5 * 2 * r)  // position 3.996, between two equal values
        Self.close(FeatureDomain(trainingFeatures: training, quantile: 0.5, margin: 2).threshold, 2 * r)
        // position 0.5: halfway between 0 and 1/sqrt2 (linear interpolation)
        Self.close(FeatureDomain(trainingFeatures: training, quantile: 0.125, margin: 1).threshold, r / 2)
        Self.close(FeatureDomain(trainingFeatures: training, quantile: 0, margin: 3).threshold, 0)
        Self.close(FeatureDomain(trainingFeatures: training, quantile: 1, margin: 1).threshold, 2 * r)
    }

    @Test func deadDimensionsAreFlooredNotInfinite() {
        // std [1, 0]: the second is floored at 1% of the mean std (0.5)
        let domain = FeatureDomain(trainingFeatures: [[0, 5], [2, 5]])
        Self.close(domain.std[1], 0.005)
        let moved = domain.distance([1, 6])  // z = (0, 200)
        #expect(moved.isFinite)
        Self.close(moved, (200 * 200 / Float(2)).squareRoot())
        #expect(domain.verdict([1, 6]).outOfDomain)
        #expect(!domain.verdict([1, 5]).outOfDomain)
        // one vector (or all identical): std 1 everywhere, threshold 0, only that vector is in
        let single = FeatureDomain(trainingFeatures: [[3, 3]])
        #expect(single.std == [1, 1] && single.threshold == 0)
        #expect(!single.verdict([3, 3]).outOfDomain)
        #expect(single.verdict([3, 4]).outOfDomain)
    }

    /// 300 vectors of 16 dimensions from a Gaussian with per-dimension means and scales.
    static func gaussianTraining(seed: UInt64) -> [[Float]] {
        var random = SeededGenerator(seed: seed)
        var vectors = [[Float]]()
        for _ in 0..<300 {
            var f = [Float](repeating: 0, count: 16)
            for j in 0..<16 {
                let scale = Float(j % 4 + 1)
                f[j] = Float(j) * 0.5 + scale * random.nextNormal()
            }
            vectors.append(f)
        }
        return vectors
    }

    @Test func farVectorsAreFlaggedAndTrainingVectorsAreNot() {
        let training = Self.gaussianTraining(seed: 7)
        let domain = FeatureDomain(trainingFeatures: training)
        for f in training { #expect(!domain.verdict(f).outOfDomain, "\(domain.verdict(f))") }
        // new draws from the same distribution are in the domain too
        for f in Self.gaussianTraining(seed: 8) { #expect(!domain.verdict(f).outOfDomain, "\(domain.verdict(f))") }
        // every dimension 5 std away; another domain's features (all ten times larger)
        let far: [Float] = (0..<16).map { (j: Int) -> Float in
            let scale = Float(j % 4 + 1)
            return Float(j) * 0.5 + 5 * scale
        }
        let verdict = domain.verdict(far)
        #expect(verdict.outOfDomain && verdict.distance > 4 && verdict.threshold == domain.threshold)
        #expect(domain.verdict(training[0].map { $0 * 10 }).outOfDomain)
        // a feature that is not a number is never in the domain
        var broken = training[0]
        broken[3] = .nan
        #expect(domain.verdict(broken).outOfDomain)
    }

    @Test func metadataRoundTripIsExact() throws {
        var training = Self.gaussianTraining(seed: 3)
        training[0][0] = 1.0 / 3
        training[1][5] = 1e-7
        training[2][9] = -123456.79
        let domain = FeatureDomain(trainingFeatures: training, quantile: 0.95, margin: 1.25)
        let metadata = domain.metadata
        #expect(Set(metadata.keys) == Set(FeatureDomain.metadataKeys))
        #expect(metadata["domain.rule"] == FeatureDomain.rule)
        #expect(metadata["domain.mean"]?.split(separator: " ").count == 16)
        let back = try #require(try FeatureDomain(metadata: metadata, file: "w.safetensors"))
        #expect(back == domain)
        #expect(back.mean.map(\.bitPattern) == domain.mean.map(\.bitPattern))
        #expect(back.std.map(\.bitPattern) == domain.std.map(\.bitPattern))
        #expect(back.threshold.bitPattern == domain.threshold.bitPattern)
        for f in training.prefix(20) { #expect(back.verdict(f) == domain.verdict(f)) }
        // other metadata beside it is ignored; without domain.rule it still reads
        var mixed = metadata
        mixed["format"] = "pt"
        mixed["domain.rule"] = nil
        #expect(try FeatureDomain(metadata: mixed, file: "w.safetensors") == domain)
    }

    @Test func metadataWithoutADomainIsNil() throws {
        #expect(try FeatureDomain(metadata: [:], file: "w.safetensors") == nil)
        #expect(try FeatureDomain(metadata: ["format": "pt", "vocabulary": "a b"], file: "w.safetensors") == nil)
    }

    @Test(arguments: [
        ("domain.std", nil, "no domain.std"),
        ("domain.threshold", nil, "no domain.threshold"),
        ("domain.std", "1 2", "2 values, expected 3"),
        ("domain.mean", "", "domain.mean: no values"),
        ("domain.mean", "1 x 3", "value 1 \"x\" is not a finite number"),
        ("domain.mean", "1 nan 3", "is not a finite number"),
        ("domain.std", "1 0 2", "value 1 is 0.0, a standard deviation must be positive"),
        ("domain.std", "1 2 -3", "must be positive"),
        ("domain.threshold", "1 2", "2 values, expected one number"),
        ("domain.threshold", "-1", "negative"),
        ("domain.quantile", "1.5", "not in [0, 1]"),
        ("domain.margin", "0", "must be positive"),
        ("domain.margin", "inf", "not a finite number"),
    ] as [(String, String?, String)])
    func malformedMetadataNamesTheFileAndKey(key: String, value: String?, message: String) throws {
        var metadata = FeatureDomain(trainingFeatures: [[0, 1, 2], [2, 3, 6]]).metadata
        metadata[key] = value
        let error = #expect(throws: StageError.self, "\(key) = \(value ?? "nil")") {
            try FeatureDomain(metadata: metadata, file: "weights/nic.safetensors")
        }
        guard let error else { return }
        #expect(error.file == "weights/nic.safetensors")
        #expect(error.problem.contains(key), "\(error)")
        #expect(error.problem.contains(message), "\(error)")
        #expect(error.description.hasPrefix("weights/nic.safetensors: "))
    }
}
