// FeatureDomain+Metadata: the summary as string metadata (a safetensors header's
// `__metadata__`, which holds only strings) and back, exactly: each Float is written as its
// Swift description, the shortest text that parses back to the same Float.
//
// Keys: `domain.mean`, `domain.std` (D space-separated floats each), `domain.threshold`,
// `domain.quantile`, `domain.margin` (one float each) and `domain.rule` (the rule in words, for
// a reader of the file; not needed to read it back).

extension FeatureDomain {
    /// The metadata keys, in the order they are written.
    public static let metadataKeys = ["domain.mean", "domain.std", "domain.threshold", "domain.quantile", "domain.margin", "domain.rule"]

    /// The summary as metadata entries under the `domain.` keys.
    public var metadata: [String: String] {
        [
            "domain.mean": mean.map { "\($0)" }.joined(separator: " "),
            "domain.std": std.map { "\($0)" }.joined(separator: " "),
            "domain.threshold": "\(threshold)",
            "domain.quantile": "\(quantile)",
            "domain.margin": "\(margin)",
            "domain.rule": Self.rule,
        ]
    }

    /// Reads the summary from `metadata` (of the weights file `file`): nil when it has no
    /// `domain.` key at all (a stage trained before domains were kept); throws naming `file` and
    /// the key when an entry is missing, not a number, of the wrong count or out of range.
    public init?(metadata: [String: String], file: String) throws(StageError) {
        guard metadata.keys.contains(where: { $0.hasPrefix("domain.") }) else { return nil }
        func text(_ key: String) throws(StageError) -> String {
            guard let value = metadata[key] else {
                throw StageError(file: file, problem: "metadata has some domain.* keys but no \(key)")
            }
            return value
        }
        func numbers(_ key: String) throws(StageError) -> [Float] {
            let words = try text(key).split(separator: " ", omittingEmptySubsequences: true)
            var values = [Float]()
            values.reserveCapacity(words.count)
            for (i, word) in words.enumerated() {
                guard let value = Float(word), value.isFinite else {
                    throw StageError(file: file, problem: "metadata \(key): value \(i) \"\(word)\" is not a finite number")
                }
                values.append(value)
            }
            return values
        }
        func number(_ key: String) throws(StageError) -> Float {
            let values = try numbers(key)
            guard values.count == 1 else {
                throw StageError(file: file, problem: "metadata \(key): \(values.count) values, expected one number")
            }
            return values[0]
        }
        let mean = try numbers("domain.mean")
        let std = try numbers("domain.std")
        guard !mean.isEmpty else { throw StageError(file: file, problem: "metadata domain.mean: no values") }
        guard std.count == mean.count else {
            throw StageError(file: file, problem: "metadata domain.std: \(std.count) values, expected \(mean.count) (one per domain.mean value)")
        }
        if let j = std.firstIndex(where: { !($0 > 0) }) {
            throw StageError(file: file, problem: "metadata domain.std: value \(j) is \(std[j]), a standard deviation must be positive")
        }
        let threshold = try number("domain.threshold")
        guard threshold >= 0 else { throw StageError(file: file, problem: "metadata domain.threshold: \(threshold) is negative") }
        let quantile = try number("domain.quantile")
        guard quantile >= 0 && quantile <= 1 else {
            throw StageError(file: file, problem: "metadata domain.quantile: \(quantile) is not in [0, 1]")
        }
        let margin = try number("domain.margin")
        guard margin > 0 else { throw StageError(file: file, problem: "metadata domain.margin: \(margin) must be positive") }
        self.init(mean: mean, std: std, threshold: threshold, quantile: quantile, margin: margin)
    }
}
