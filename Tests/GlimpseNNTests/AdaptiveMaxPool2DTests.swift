// AdaptiveMaxPool2D: PyTorch's cell boundaries (overlapping when the grid does not divide the
// side), the values against a direct loop, and the gradient by central differences.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Adaptive max pool")
struct AdaptiveMaxPool2DTests {
    @Test func cellsFollowPyTorchsBoundaries() {
        // PyTorch: start = floor(i*H/g), end = ceil((i+1)*H/g). H = 7, g = 3: 0..<3, 2..<5, 4..<7.
        #expect((0..<3).map { AdaptiveMaxPool2D.span($0, of: 3, length: 7) } == [0..<3, 2..<5, 4..<7])
        #expect((0..<4).map { AdaptiveMaxPool2D.span($0, of: 4, length: 8) } == [0..<2, 2..<4, 4..<6, 6..<8])
        let x = Tensor(shape: [1, 1, 7, 5]) { Float(($0 * 37) % 23) }
        let y = AdaptiveMaxPool2D(outputSize: 3)(x)
        #expect(y.shape == [1, 1, 3, 3])
        for i in 0..<3 {
            for j in 0..<3 {
                var best = -Float.infinity
                for r in AdaptiveMaxPool2D.span(i, of: 3, length: 7) { for c in AdaptiveMaxPool2D.span(j, of: 3, length: 5) { best = max(best, x.scalars[r * 5 + c]) } }
                #expect(y.scalars[i * 3 + j] == best)
            }
        }
        // A divisible grid is the ordinary max pool.
        let z = randomInput([2, 3, 8, 8])
        #expect(AdaptiveMaxPool2D(outputSize: 4)(z) == MaxPool2D(kernelSize: 2)(z))
    }

    @Test func gradientMatchesCentralDifferences() {
        // Distinct values 0.05 apart (a permutation), so no perturbation changes a winner.
        let input = Tensor(shape: [2, 2, 7, 5]) { Float(($0 * 37) % 140) * 0.05 }
        let result = gradientCheck(AdaptiveMaxPool2D(outputSize: 3), input: input)
        #expect(result.passed(tolerance: 1e-3), "\(result)")
    }
}
