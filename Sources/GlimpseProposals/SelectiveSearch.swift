// SelectiveSearch: the region proposer of R-CNN (Uijlings et al., "Selective Search for
// Object Recognition", IJCV 2013), the first conformance of `RegionProposer`.
//
// Work is shared where the paper's strategies share inputs: one colour conversion, one
// smoothing, one edge sort and one set of pixel bins per colour space; one segmentation,
// feature pass and adjacency scan per (colour space, k); one grouping per strategy. Colour
// spaces run in parallel on `threads` workers.

import Foundation
import GlimpseImaging
import GlimpseStages
import GlimpseTensor
import Synchronization

/// Selective search configured by `SelectiveSearchParameters`.
public struct SelectiveSearch: RegionProposer {
    /// The pipeline-file name of this proposer.
    public static let conformanceName = "selective-search"

    /// The configuration.
    public let parameters: SelectiveSearchParameters

    /// Approximate peak working memory of one colour space in flight, per pixel (measured on a
    /// 4000x3000 photo; see docs/proposals.md).
    public static let bytesPerPixel = 80
    /// Colour spaces run concurrently only while their working memory stays under this.
    public static let memoryBudget = 1 << 30

    /// A proposer with the given parameters.
    public init(parameters: SelectiveSearchParameters = SelectiveSearchParameters()) {
        precondition(parameters.maxProposals >= 0, "SelectiveSearch: negative maxProposals")
        self.parameters = parameters
    }

    /// The pipeline stage: proposals for `input.image` (selective search reads pixels only).
    public func propose(_ input: StageInput) throws -> [BoundingBox] {
        try propose(in: input.image)
    }

    /// The memory selective search needs besides the image, whatever its thread count: one
    /// colour space in flight at `bytesPerPixel`, plus the 60 MB measured at start (the README's
    /// bound; docs/proposals.md). Double, so that no image size can overflow it.
    public static func workingBytes(width: Int, height: Int) -> Double {
        Double(bytesPerPixel) * Double(width) * Double(height) + 60 * 1_048_576
    }

    /// Proposals best first, at most `parameters.maxProposals`; `score` is the ranking value.
    /// - Throws: `SelectiveSearchError` before allocating anything when the image needs more
    ///   than `parameters.memoryBudgetMiB` (a 10000x10000 PNG needs about 8 GB).
    public func propose(in image: Image) throws -> [BoundingBox] {
        let needed = SelectiveSearch.workingBytes(width: image.width, height: image.height)
        let budget = Double(parameters.memoryBudgetMiB) * 1_048_576
        if needed > budget {
            throw SelectiveSearchError(width: image.width, height: image.height, neededBytes: needed,
                                       budgetMiB: parameters.memoryBudgetMiB)
        }
        return ProposalRanking.rank(hierarchies(of: image), seed: parameters.seed, maxProposals: parameters.maxProposals)
    }

    /// Every strategy's hierarchy (boxes in creation order), in `parameters.strategies` order.
    public func hierarchies(of image: Image) -> [[PixelBox]] {
        let strategies = parameters.strategies
        if image.width == 0 || image.height == 0 || strategies.isEmpty { return strategies.map { _ in [] } }
        let spaces = parameters.effectiveColorSpaces
        let results = HierarchySlots(count: strategies.count)
        // Each colour space in flight holds about `bytesPerPixel` per pixel (planes, sorted edges,
        // pixel bins, union-find, labels); large images run fewer at once to stay in the budget.
        let perSpace = SelectiveSearch.bytesPerPixel * image.width * image.height
        let affordable = max(1, SelectiveSearch.memoryBudget / max(1, perSpace))
        let threads = max(1, parameters.threads ?? Compute.threads)
        let workers = max(1, min(threads, spaces.count, affordable))
        // Threads left over (single mode has one colour space) build a space's edges and pixel
        // bins side by side.
        let inner = workers == spaces.count && affordable >= 2 * workers ? max(1, threads / workers) : 1
        let next = Atomic<Int>(0)
        let work: @Sendable (Int) -> Void = { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= spaces.count { return }
                let space = spaces[index]
                for (s, boxes) in runColorSpace(space, image: image, strategies: strategies, threads: inner) {
                    results.set(s, boxes)
                }
            }
        }
        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        return results.values
    }

    /// The hierarchies of every strategy in `space`, keyed by strategy index.
    private func runColorSpace(_ space: ProposalColorSpace, image: Image,
                               strategies: [SelectiveSearchStrategy], threads: Int) -> [(Int, [PixelBox])] {
        let width = image.width, height = image.height, channels = space.channelCount
        // The colour planes are dropped once the edges and the pixel bins are made.
        let (edges, descriptors): (SortedEdges, PixelDescriptors) = {
            let planes = space.planes(of: image)
            let sigma = parameters.sigma
            let makeEdges = { () -> SortedEdges in
                let smoothed = GaussianSmoothing.smooth(planes, width: width, height: height, channels: channels, sigma: sigma)
                return SortedEdges(planes: smoothed, width: width, height: height, channels: channels)
            }
            let makeDescriptors = { PixelDescriptors(planes: planes, width: width, height: height, channels: channels) }
            if threads < 2 { return (makeEdges(), makeDescriptors()) }
            let pair = PairSlot<SortedEdges, PixelDescriptors>()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                if i == 0 { pair.setFirst(makeEdges()) } else { pair.setSecond(makeDescriptors()) }
            }
            return pair.values
        }()
        var out: [(Int, [PixelBox])] = []
        var done = Set<Float>()
        for strategy in strategies where strategy.colorSpace == space && !done.contains(strategy.k) {
            let k = strategy.k
            done.insert(k)
            let segmentation = GraphSegmentation.segment(edges, k: k, minSize: parameters.minimumSize(for: k, pixels: width * height))
            let features = RegionFeatures(descriptors: descriptors, segmentation: segmentation)
            let neighbours = RegionAdjacency.pairs(of: segmentation)
            for (s, other) in strategies.enumerated() where other.colorSpace == space && other.k == k {
                out.append((s, HierarchicalGrouping.group(features, neighbours: neighbours, similarity: other.similarity,
                                                          imageSize: width * height)))
            }
        }
        return out
    }
}

/// Per-strategy results written by concurrent workers.
private final class HierarchySlots: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[PixelBox]]

    init(count: Int) { items = [[PixelBox]](repeating: [], count: count) }

    func set(_ index: Int, _ value: [PixelBox]) {
        lock.lock()
        items[index] = value
        lock.unlock()
    }

    var values: [[PixelBox]] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Two results computed on two threads.
private final class PairSlot<A, B>: @unchecked Sendable {
    private let lock = NSLock()
    private var first: A?
    private var second: B?

    func setFirst(_ value: A) { lock.lock(); first = value; lock.unlock() }
    func setSecond(_ value: B) { lock.lock(); second = value; lock.unlock() }

    var values: (A, B) {
        lock.lock()
        defer { lock.unlock() }
        return (first!, second!)
    }
}
