// Felzenszwalb-Huttenlocher segmentation: exact on flat regions, minimum size, fast = naive.

import GlimpseImaging
import Testing
@testable import GlimpseProposals

@Suite struct GraphSegmentationTests {
    @Test func flatRegionsSplitExactly() {
        let (image, truth) = flatScene()
        let planes = ProposalColorSpace.rgb.planes(of: image)
        for k: Float in [10, 100, 300] {
            let segmentation = GraphSegmentation.segment(smoothed: planes, width: image.width, height: image.height,
                                                         channels: 3, k: k, minSize: 20)
            #expect(segmentation.regionCount == 5)
            #expect(samePartition(segmentation.labels.map { Int($0) }, truth))
        }
    }

    @Test func hugeKMergesEverything() {
        let (image, _) = flatScene()
        let planes = ProposalColorSpace.rgb.planes(of: image)
        let segmentation = GraphSegmentation.segment(smoothed: planes, width: image.width, height: image.height,
                                                     channels: 3, k: 1e7, minSize: 1)
        #expect(segmentation.regionCount == 1)
    }

    @Test(arguments: [10, 50, 150])
    func minimumSizeHolds(minSize: Int) {
        let image = noiseImage(width: 40, height: 30, seed: 7)
        let planes = GaussianSmoothing.smooth(ProposalColorSpace.hsv.planes(of: image), width: 40, height: 30,
                                              channels: 3, sigma: 0.8)
        let segmentation = GraphSegmentation.segment(smoothed: planes, width: 40, height: 30, channels: 3, k: 5, minSize: minSize)
        let sizes = segmentation.regionSizes()
        #expect(sizes.allSatisfy { $0 >= minSize })
        #expect(sizes.reduce(0, +) == 1200)
        #expect(segmentation.regionCount <= 1200 / minSize)
        if minSize <= 50 { #expect(segmentation.regionCount > 1) }
    }

    @Test func countingSortEqualsStandardSort() throws {
        let image = try ProposalTestFiles.sample("chelsea.png", longSide: 120)
        for space in [ProposalColorSpace.lab, .hue] {
            let planes = GaussianSmoothing.smooth(space.planes(of: image), width: image.width, height: image.height,
                                                  channels: space.channelCount, sigma: 0.8)
            let counted = SortedEdges(planes: planes, width: image.width, height: image.height, channels: space.channelCount)
            let sorted = SortedEdges(naivelySorting: planes, width: image.width, height: image.height, channels: space.channelCount)
            #expect(counted.codes == sorted.codes && counted.starts == sorted.starts)
            #expect(counted.codes.count == 4 * image.width * image.height - 3 * image.width - 3 * image.height + 2)
            for k: Float in [20, 100] {
                let fast = GraphSegmentation.segment(smoothed: planes, width: image.width, height: image.height,
                                                     channels: space.channelCount, k: k, minSize: Int(k))
                let naive = GraphSegmentation.segmentNaive(smoothed: planes, width: image.width, height: image.height,
                                                           channels: space.channelCount, k: k, minSize: Int(k))
                #expect(fast == naive)
                #expect(fast.regionCount > 1)
            }
        }
    }

    @Test func regionsAreConnected() throws {
        // Each label must form one 8-connected component (the graph is 8-connected).
        let image = try ProposalTestFiles.sample("coffee.png", longSide: 90)
        let planes = GaussianSmoothing.smooth(ProposalColorSpace.rgb.planes(of: image), width: image.width,
                                              height: image.height, channels: 3, sigma: 0.8)
        let s = GraphSegmentation.segment(smoothed: planes, width: image.width, height: image.height, channels: 3, k: 100, minSize: 30)
        var seen = [Bool](repeating: false, count: s.regionCount)
        var visited = [Bool](repeating: false, count: s.labels.count)
        var components = 0
        for start in s.labels.indices where !visited[start] {
            components += 1
            let label = s.labels[start]
            #expect(!seen[Int(label)])
            seen[Int(label)] = true
            var stack = [start]
            visited[start] = true
            while let p = stack.popLast() {
                let x = p % s.width, y = p / s.width
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        if nx < 0 || ny < 0 || nx >= s.width || ny >= s.height { continue }
                        let q = ny * s.width + nx
                        if !visited[q] && s.labels[q] == label { visited[q] = true; stack.append(q) }
                    }
                }
            }
        }
        #expect(components == s.regionCount)
    }

    @Test func gaussianKernelIsNormalised() {
        let kernel = GaussianSmoothing.halfKernel(sigma: 0.8)
        #expect(kernel.count == 5)
        #expect(abs(kernel[0] + 2 * kernel.dropFirst().reduce(0, +) - 1) < 1e-6)
        // A constant plane stays constant.
        let flat = GaussianSmoothing.smooth([Float](repeating: 7, count: 30), width: 6, height: 5, channels: 1, sigma: 2)
        #expect(flat.allSatisfy { abs($0 - 7) < 1e-4 })
    }
}
