// Region features, incremental merging, and the priority-queue grouping against an
// exhaustive-search reference.

import GlimpseImaging
import Testing
@testable import GlimpseProposals

/// The setup every test here uses: a small photo segmented in HSV.
private func photoRegions(k: Float = 60) throws -> (PixelDescriptors, Segmentation, RegionFeatures) {
    let image = try ProposalTestFiles.sample("chelsea.png", longSide: 100)
    let space = ProposalColorSpace.hsv
    let planes = space.planes(of: image)
    let smoothed = GaussianSmoothing.smooth(planes, width: image.width, height: image.height, channels: 3, sigma: 0.8)
    let segmentation = GraphSegmentation.segment(smoothed: smoothed, width: image.width, height: image.height,
                                                 channels: 3, k: k, minSize: Int(k))
    let descriptors = PixelDescriptors(planes: planes, width: image.width, height: image.height, channels: 3)
    return (descriptors, segmentation, RegionFeatures(descriptors: descriptors, segmentation: segmentation))
}

private func pixels(of regions: Set<Int32>, in segmentation: Segmentation) -> [Int] {
    segmentation.labels.indices.filter { regions.contains(segmentation.labels[$0]) }
}

private func maxDifference(_ a: [Float], _ b: ArraySlice<Float>) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct GroupingTests {
    @Test func featuresMatchRegionPixels() throws {
        let (descriptors, segmentation, features) = try photoRegions()
        #expect(features.count > 5)
        for region in [0, features.count / 2, features.count - 1] {
            let own = pixels(of: [Int32(region)], in: segmentation)
            #expect(features.sizes[region] == own.count)
            let reference = RegionFeatures.histograms(of: own, descriptors: descriptors)
            let cd = features.colourDimensions, td = features.textureDimensions
            #expect(maxDifference(reference.colour, features.colour[(region * cd)..<((region + 1) * cd)]) < 1e-6)
            #expect(maxDifference(reference.texture, features.texture[(region * td)..<((region + 1) * td)]) < 1e-6)
            #expect(abs(reference.colour.reduce(0, +) - 1) < 1e-5 && abs(reference.texture.reduce(0, +) - 1) < 1e-5)
            let xs = own.map { $0 % segmentation.width }, ys = own.map { $0 / segmentation.width }
            #expect(features.boxes[region] == PixelBox(minX: Int32(xs.min()!), minY: Int32(ys.min()!),
                                                        maxX: Int32(xs.max()!), maxY: Int32(ys.max()!)))
        }
    }

    @Test func mergedHistogramsEqualHistogramsOfTheUnion() throws {
        let (descriptors, segmentation, features) = try photoRegions()
        let cd = features.colourDimensions, td = features.textureDimensions
        // Merge three neighbouring regions step by step, as the grouping does.
        let pairs = RegionAdjacency.pairs(of: segmentation)
        let (a, b) = pairs[0]
        let c = pairs.first { ($0.0 == a || $0.0 == b || $0.1 == a || $0.1 == b) && ![a, b].contains($0.0 == a || $0.0 == b ? $0.1 : $0.0) }
            .map { $0.0 == a || $0.0 == b ? $0.1 : $0.0 }!
        func slice(_ h: [Float], _ r: Int32, _ d: Int) -> [Float] { Array(h[(Int(r) * d)..<((Int(r) + 1) * d)]) }
        var colour = RegionFeatures.merge(slice(features.colour, a, cd), size: features.sizes[Int(a)],
                                          slice(features.colour, b, cd), size: features.sizes[Int(b)])
        var texture = RegionFeatures.merge(slice(features.texture, a, td), size: features.sizes[Int(a)],
                                           slice(features.texture, b, td), size: features.sizes[Int(b)])
        let sizeAB = features.sizes[Int(a)] + features.sizes[Int(b)]
        colour = RegionFeatures.merge(colour, size: sizeAB, slice(features.colour, c, cd), size: features.sizes[Int(c)])
        texture = RegionFeatures.merge(texture, size: sizeAB, slice(features.texture, c, td), size: features.sizes[Int(c)])
        let reference = RegionFeatures.histograms(of: pixels(of: [a, b, c], in: segmentation), descriptors: descriptors)
        #expect(maxDifference(reference.colour, colour[...]) < 1e-6)
        #expect(maxDifference(reference.texture, texture[...]) < 1e-6)
    }

    @Test func adjacencyFindsTouchingRegions() {
        let (image, _) = flatScene()
        let planes = ProposalColorSpace.rgb.planes(of: image)
        let s = GraphSegmentation.segment(smoothed: planes, width: image.width, height: image.height, channels: 3, k: 100, minSize: 20)
        // Background touches red, green and blue; yellow lies inside blue and touches only it.
        let pairs = RegionAdjacency.pairs(of: s)
        #expect(pairs.count == 4)
        let label = { (x: Int, y: Int) in s.labels[y * image.width + x] }
        let background = label(0, 0), blue = label(6, 22), yellow = label(28, 24)
        #expect(pairs.contains { $0 == (min(blue, yellow), max(blue, yellow)) })
        #expect(!pairs.contains { $0 == (min(background, yellow), max(background, yellow)) })
    }

    @Test(arguments: [SimilarityMeasures.all, .textureSizeFill, .fill, .size, .colour])
    func priorityQueueEqualsExhaustiveSearch(measures: SimilarityMeasures) throws {
        let (_, segmentation, features) = try photoRegions(k: 100)
        let neighbours = RegionAdjacency.pairs(of: segmentation)
        let imageSize = segmentation.width * segmentation.height
        let fast = HierarchicalGrouping.group(features, neighbours: neighbours, similarity: measures, imageSize: imageSize)
        let naive = exhaustiveGrouping(features, neighbours: neighbours, similarity: measures, imageSize: imageSize)
        #expect(fast.count == 2 * features.count - 1)
        #expect(fast == naive)
        #expect(fast.last == PixelBox(minX: 0, minY: 0, maxX: Int32(segmentation.width - 1), maxY: Int32(segmentation.height - 1)))
    }
}

/// The reference grouping: after every merge, score every neighbouring pair again and merge
/// the best (ties to the smallest ids), with the same merge formula.
private func exhaustiveGrouping(_ features: RegionFeatures, neighbours: [(Int32, Int32)],
                                similarity measures: SimilarityMeasures, imageSize: Int) -> [PixelBox] {
    let cd = features.colourDimensions, td = features.textureDimensions
    var colour = (0..<features.count).map { Array(features.colour[($0 * cd)..<(($0 + 1) * cd)]) }
    var texture = (0..<features.count).map { Array(features.texture[($0 * td)..<(($0 + 1) * td)]) }
    var sizes = features.sizes, boxes = features.boxes
    var edges = Set(neighbours.map { [Int($0.0), Int($0.1)] })
    func score(_ a: Int, _ b: Int) -> Float {
        var s: Float = 0
        if measures.contains(.colour) { s += Similarity.intersection(colour[a], colour[b]) }
        if measures.contains(.texture) { s += Similarity.intersection(texture[a], texture[b]) }
        if measures.contains(.size) { s += Similarity.size(sizes[a], sizes[b], imageSize: imageSize) }
        if measures.contains(.fill) { s += Similarity.fill(boxes[a], sizes[a], boxes[b], sizes[b], imageSize: imageSize) }
        return s
    }
    while !edges.isEmpty {
        var best: (s: Float, a: Int, b: Int)? = nil
        for e in edges {
            let s = score(e[0], e[1])
            if let current = best, !(s > current.s || (s == current.s && (e[0], e[1]) < (current.a, current.b))) { continue }
            best = (s, e[0], e[1])
        }
        let (_, a, b) = best!
        let t = boxes.count
        let wa = Float(sizes[a]) / Float(sizes[a] + sizes[b]), wb = Float(sizes[b]) / Float(sizes[a] + sizes[b])
        colour.append(zip(colour[a], colour[b]).map { wa * $0 + wb * $1 })
        texture.append(zip(texture[a], texture[b]).map { wa * $0 + wb * $1 })
        sizes.append(sizes[a] + sizes[b])
        boxes.append(boxes[a].union(boxes[b]))
        var next = Set<[Int]>()
        for e in edges {
            let x = e[0] == a || e[0] == b ? t : e[0], y = e[1] == a || e[1] == b ? t : e[1]
            if x != y { next.insert([min(x, y), max(x, y)]) }
        }
        edges = next
    }
    return boxes
}
