// The fast im2col/col2im kernels against the naive reference, over many geometries.

import GlimpseTensor
import Testing

@Suite("im2col")
struct Im2colTests {
    static let geometries: [ConvGeometry] = [
        ConvGeometry(channels: 3, height: 7, width: 5, kernelHeight: 3, kernelWidth: 3, padY: 1, padX: 1),
        ConvGeometry(channels: 2, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2),
        ConvGeometry(channels: 2, height: 6, width: 9, kernelHeight: 3, kernelWidth: 3, padY: 2, padX: 2),
        ConvGeometry(channels: 1, height: 5, width: 5, kernelHeight: 1, kernelWidth: 1),
        ConvGeometry(channels: 2, height: 9, width: 7, kernelHeight: 2, kernelWidth: 3, strideY: 2, strideX: 3, padY: 1, padX: 1),
        ConvGeometry(channels: 1, height: 2, width: 2, kernelHeight: 5, kernelWidth: 5, padY: 2, padX: 2),
        ConvGeometry(channels: 3, height: 11, width: 11, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2),
    ]

    @Test(arguments: geometries)
    func unfoldMatchesNaive(_ g: ConvGeometry) {
        var random = SeededGenerator(seed: 1)
        let image = (0..<g.imageSize).map { _ in random.nextNormal() }
        var fast = [Float](repeating: .nan, count: g.patchSize * g.outPixels)
        var naive = [Float](repeating: .nan, count: g.patchSize * g.outPixels)
        image.withUnsafeBufferPointer { x in
            fast.withUnsafeMutableBufferPointer { Im2col.unfold(g, image: x.baseAddress!, columns: $0.baseAddress!) }
            naive.withUnsafeMutableBufferPointer { Im2col.naiveUnfold(g, image: x.baseAddress!, columns: $0.baseAddress!) }
        }
        #expect(fast == naive)
    }

    @Test(arguments: geometries)
    func foldMatchesNaive(_ g: ConvGeometry) {
        var random = SeededGenerator(seed: 2)
        let columns = (0..<(g.patchSize * g.outPixels)).map { _ in random.nextNormal() }
        var fast = [Float](repeating: 0.5, count: g.imageSize)
        var naive = [Float](repeating: 0.5, count: g.imageSize)
        columns.withUnsafeBufferPointer { c in
            fast.withUnsafeMutableBufferPointer { Im2col.fold(g, columns: c.baseAddress!, image: $0.baseAddress!) }
            naive.withUnsafeMutableBufferPointer { Im2col.naiveFold(g, columns: c.baseAddress!, image: $0.baseAddress!) }
        }
        for (a, b) in zip(fast, naive) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func outputSizeFormula() {
        let g = ConvGeometry(channels: 3, height: 227, width: 227, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2)
        #expect(g.outHeight == 113 && g.outWidth == 113)
        let padded = ConvGeometry(channels: 32, height: 14, width: 14, kernelHeight: 3, kernelWidth: 3, padY: 2, padX: 2)
        #expect(padded.outHeight == 16)
    }
}
