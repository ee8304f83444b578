// The convolution kernels with small images taken a group at a time, side by side in one GEMM
// (ImageGroups.swift): against direct loops, and the forward and data gradient bit for bit
// against the same kernels called on one image at a time (groups of one).

@testable import GlimpseTensor
import Testing

@Suite("Image groups")
struct ImageGroupsTests {
    typealias Reference = ConvolutionReferenceTests

    /// A batch of `images` inputs `[images, channels, size, size]` through `[outChannels, channels, 3, 3]`.
    struct Case: CustomTestStringConvertible, Sendable {
        var images: Int, channels: Int, outChannels: Int, size: Int, window: StrideAndPadding
        var testDescription: String {
            "\(images) x \(channels)->\(outChannels) \(size)x\(size) s\(window.strideY) p\(window.padY)"
        }
        func geometry() -> ConvGeometry {
            window.geometry(channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3)
        }
    }

    // 23 images: on one thread one chunk, cut into groups with a smaller last group; on two
    // threads 8 chunks of 2-3 images. 10x10 outputs make groups of 10, 22x22 groups of 2.
    static let cases: [Case] = [
        Case(images: 23, channels: 6, outChannels: 4, size: 10, window: StrideAndPadding(stride: 1, padding: 1)),
        Case(images: 23, channels: 3, outChannels: 5, size: 10, window: StrideAndPadding(stride: 1, padding: 1)),
        Case(images: 23, channels: 4, outChannels: 4, size: 20, window: StrideAndPadding(stride: 1, padding: 2)),
        Case(images: 23, channels: 2, outChannels: 3, size: 9, window: StrideAndPadding(stride: 2, padding: 1)),
        Case(images: 60, channels: 5, outChannels: 5, size: 8, window: StrideAndPadding(stride: 1, padding: 1)),
    ]

    @Test func groupSizes() {
        #expect(ImageGroups.size(pixels: 64) == 16 && ImageGroups.size(pixels: 784) == 1 && ImageGroups.size(pixels: 5000) == 1)
        var groups = [Range<Int>]()
        ImageGroups.forEach(3..<26, size: 10) { groups.append($0) }
        #expect(groups == [3..<13, 13..<23, 23..<26])
    }

    @Test func gatherAndScatterAreInverse() {
        let source = (0..<(3 * 4 * 5)).map(Float.init)  // [3 images, 4 rows, 5 pixels]
        var wide = [Float](repeating: 0, count: source.count)
        var back = [Float](repeating: 0, count: source.count)
        source.withUnsafeBufferPointer { s in
            wide.withUnsafeMutableBufferPointer { ImageGroups.gather(s.baseAddress!, count: 3, rows: 4, pixels: 5, into: $0.baseAddress!) }
        }
        // row 1 of the wide matrix: row 1 of image 0, then of image 1, then of image 2
        #expect(Array(wide[15..<30]) == [5, 6, 7, 8, 9, 25, 26, 27, 28, 29, 45, 46, 47, 48, 49])
        wide.withUnsafeBufferPointer { s in
            back.withUnsafeMutableBufferPointer { ImageGroups.scatter(s.baseAddress!, count: 3, rows: 4, pixels: 5, into: $0.baseAddress!) }
        }
        #expect(back == source)
    }

    @Test(arguments: cases)
    func groupedKernelsMatchDirect(_ c: Case) {
        let g = c.geometry()
        #expect(ImageGroups.size(pixels: g.outPixels) > 1)
        let x = Reference.random([c.images, c.channels, c.size, c.size], seed: 21)
        let w = Reference.random([c.outChannels, c.channels, 3, 3], seed: 22)
        let dy = Reference.random([c.images, c.outChannels, g.outHeight, g.outWidth], seed: 23)
        #expect(Reference.relativeError(Convolution.forward(x, weight: w, bias: nil, c.window), Reference.direct(x, w, c.window)) < 1e-5)
        let dx = Convolution.dataGradient(dy, weight: w, inputHeight: c.size, inputWidth: c.size, c.window)
        #expect(Reference.relativeError(dx, Reference.directDataGradient(dy, w, height: c.size, width: c.size, c.window)) < 1e-5)
        let (dw, db) = Convolution.weightGradient(input: x, outputGradient: dy, kernelHeight: 3, kernelWidth: 3, c.window)
        #expect(Reference.relativeError(dw!, Reference.directWeightGradient(x, dy, kernelHeight: 3, kernelWidth: 3, c.window)) < 1e-5)
        let biasReference = Tensor(shape: [c.outChannels]) { o in
            (0..<c.images).reduce(0) { total, n in total + dy.item(n).scalars[(o * g.outPixels)..<((o + 1) * g.outPixels)].reduce(0, +) }
        }
        #expect(Reference.relativeError(db!, biasReference) < 1e-5)
    }

    /// Each output element is the same dot product whichever group its image is in, so a batch
    /// gives bit for bit what its images give one at a time (what batched inference relies on).
    @Test(arguments: cases)
    func groupedForwardAndDataGradientEqualOneImageAtATime(_ c: Case) {
        let g = c.geometry()
        let x = Reference.random([c.images, c.channels, c.size, c.size], seed: 31)
        let w = Reference.random([c.outChannels, c.channels, 3, 3], seed: 32)
        let bias = Reference.random([c.outChannels], seed: 33)
        let dy = Reference.random([c.images, c.outChannels, g.outHeight, g.outWidth], seed: 34)
        let y = Convolution.forward(x, weight: w, bias: bias, c.window)
        let dx = Convolution.dataGradient(dy, weight: w, inputHeight: c.size, inputWidth: c.size, c.window)
        for n in 0..<c.images {
            let alone = Convolution.forward(x.items(n..<(n + 1)), weight: w, bias: bias, c.window)
            #expect(alone.scalars == y.item(n).scalars, "forward, image \(n)")
            let dxAlone = Convolution.dataGradient(dy.items(n..<(n + 1)), weight: w,
                                                   inputHeight: c.size, inputWidth: c.size, c.window)
            #expect(dxAlone.scalars == dx.item(n).scalars, "data gradient, image \(n)")
        }
    }
}
