// SelectiveSearchParameters: the modes of selective search (Uijlings et al. 2013, section
// 5.2; the same names as OpenCV's switchToSingleStrategy / SelectiveSearchFast /
// SelectiveSearchQuality) and every knob a caller may override.
//
//   single:  HSV; k = 100; C+T+S+F                                     (1 strategy)
//   fast:    HSV, Lab; k = 50, 100; C+T+S+F, T+S+F                     (8 strategies)
//   quality: HSV, Lab, rgI, H, I; k = 50, 100, 150, 300; C+T+S+F, T+S+F, F, S  (80 strategies)
//
// The segmentation smooths with sigma 0.8. The authors' code uses minimum region size k
// (`minSize = k`) on PASCAL images of about 500x375 pixels; on smaller images the minimum size
// shrinks with the pixel count (k x pixels / 187,500) so it stays the same fraction of the image
// (with minSize = k, a digit of a 128x128 scene is swallowed by its background before grouping
// starts; see docs/proposals.md for the measured effect).

import GlimpseStages

/// One grouping strategy: a colour space, a segmentation threshold k and a similarity sum.
public struct SelectiveSearchStrategy: Sendable, Equatable {
    /// The colour space segmented and described.
    public var colorSpace: ProposalColorSpace
    /// The graph segmentation's threshold k.
    public var k: Float
    /// The similarities added up.
    public var similarity: SimilarityMeasures
}

/// How selective search runs: mode, cap, seed, threads and optional overrides of the mode.
public struct SelectiveSearchParameters: Sendable, Equatable {
    /// The paper's diversification presets.
    public enum Mode: String, Sendable, CaseIterable {
        /// One strategy: HSV, k 100, all four similarities.
        case single
        /// Eight strategies.
        case fast
        /// Eighty strategies.
        case quality
    }

    /// The preset the strategies come from unless overridden.
    public var mode: Mode
    /// Most proposals returned (best first).
    public var maxProposals: Int
    /// Seed of the ranking's random factors.
    public var seed: UInt64
    /// Worker threads for the strategies (nil: `Compute.threads`).
    public var threads: Int?
    /// Colour spaces instead of the mode's.
    public var colorSpaces: [ProposalColorSpace]?
    /// Segmentation thresholds k instead of the mode's.
    public var ks: [Float]?
    /// Similarity combinations instead of the mode's.
    public var similarities: [SimilarityMeasures]?
    /// Gaussian smoothing before segmentation.
    public var sigma: Float
    /// Minimum region size in pixels (nil: k, scaled down on images under 500x375; see `minimumSize`).
    public var minSize: Int?
    /// The most working memory one image may need, in MiB; larger images are refused before
    /// anything is allocated for them (`SelectiveSearch.workingBytes`).
    public var memoryBudgetMiB: Int = 2048

    /// Parameters of a mode with its defaults.
    public init(mode: Mode = .fast, maxProposals: Int = 2000, seed: UInt64 = 0, threads: Int? = nil) {
        self.mode = mode
        self.maxProposals = maxProposals
        self.seed = seed
        self.threads = threads
        self.sigma = 0.8
    }

    /// The colour spaces in effect.
    public var effectiveColorSpaces: [ProposalColorSpace] {
        if let colorSpaces { return colorSpaces }
        switch mode {
        case .single: return [.hsv]
        case .fast: return [.hsv, .lab]
        case .quality: return [.hsv, .lab, .rgI, .hue, .intensity]
        }
    }

    /// The thresholds k in effect.
    public var effectiveKs: [Float] {
        if let ks { return ks }
        switch mode {
        case .single: return [100]
        case .fast: return [50, 100]
        case .quality: return [50, 100, 150, 300]
        }
    }

    /// The similarity combinations in effect.
    public var effectiveSimilarities: [SimilarityMeasures] {
        if let similarities { return similarities }
        switch mode {
        case .single: return [.all]
        case .fast: return [.all, .textureSizeFill]
        case .quality: return [.all, .textureSizeFill, .fill, .size]
        }
    }

    /// Every strategy, colour space outermost, then k, then similarity (the ranking's order).
    public var strategies: [SelectiveSearchStrategy] {
        effectiveColorSpaces.flatMap { space in
            effectiveKs.flatMap { k in
                effectiveSimilarities.map { SelectiveSearchStrategy(colorSpace: space, k: k, similarity: $0) }
            }
        }
    }

    /// Pixels of the PASCAL VOC images the paper's `minSize = k` was chosen on (500x375).
    public static let referencePixels = 187_500

    /// The minimum region size used with threshold `k` on an image of `pixels` pixels:
    /// `minSize` if set, else k, scaled by pixels / 187,500 when the image is smaller.
    public func minimumSize(for k: Float, pixels: Int) -> Int {
        if let minSize { return minSize }
        let scale = min(1, Double(pixels) / Double(SelectiveSearchParameters.referencePixels))
        return max(1, Int((Double(k) * scale).rounded()))
    }

    /// Parameters from a pipeline file's string options: `mode`, `max`, `seed`, `threads`,
    /// `color_spaces` (comma list of rgb, hsv, lab, rgi, i, h), `ks` (comma list),
    /// `similarities` (comma list of C/T/S/F names such as CTSF), `sigma`, `min_size`,
    /// `memory_mb`. Throws one `StageError` naming `file` and every unknown key or bad value
    /// (joined by "; "), so all of them are fixed in one round.
    public init(options: [String: String], file: String) throws {
        var problems = [String]()
        func bad(_ key: String, _ value: String, _ why: String) {
            problems.append("selective-search option \(key)=\(value): \(why)")
        }
        var p = SelectiveSearchParameters()
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            switch key {
            case "mode":
                guard let mode = Mode(rawValue: value) else { bad(key, value, "must be single, fast or quality"); continue }
                p.mode = mode
            case "max":
                guard let n = Int(value), n >= 1 else { bad(key, value, "must be a positive integer"); continue }
                p.maxProposals = n
            case "seed":
                guard let n = UInt64(value) else { bad(key, value, "must be a non-negative integer"); continue }
                p.seed = n
            case "threads":
                guard let n = Int(value), n >= 1 else { bad(key, value, "must be a positive integer"); continue }
                p.threads = n
            case "color_spaces":
                let spaces = list.compactMap { ProposalColorSpace(rawValue: $0.lowercased()) }
                guard !list.isEmpty, spaces.count == list.count else { bad(key, value, "must list rgb, hsv, lab, rgi, i or h"); continue }
                p.colorSpaces = spaces
            case "ks":
                let ks = list.compactMap { Float($0) }.filter { $0 >= 0 }
                guard !list.isEmpty, ks.count == list.count else { bad(key, value, "must list non-negative numbers"); continue }
                p.ks = ks
            case "similarities":
                let sims = list.compactMap { SimilarityMeasures(name: $0) }
                guard !list.isEmpty, sims.count == list.count else { bad(key, value, "must list combinations of C, T, S, F"); continue }
                p.similarities = sims
            case "sigma":
                guard let s = Float(value), s >= 0 else { bad(key, value, "must be a non-negative number"); continue }
                p.sigma = s
            case "min_size":
                guard let n = Int(value), n >= 0 else { bad(key, value, "must be a non-negative integer"); continue }
                p.minSize = n
            case "memory_mb":
                guard let n = Int(value), n >= 1 else { bad(key, value, "must be a positive integer"); continue }
                p.memoryBudgetMiB = n
            default:
                problems.append("selective-search has no option \(key)")
            }
        }
        guard problems.isEmpty else { throw StageError(file: file, problem: problems.joined(separator: "; ")) }
        self = p
    }
}

import Foundation
