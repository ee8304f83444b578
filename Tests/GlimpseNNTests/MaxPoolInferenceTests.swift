// MaxPool2D's inference path (no winner indices, separable) against its training forward, the
// reference: the same values for every window shape, with ties and NaNs; the same bits wherever
// a window's maximum is not a signed zero.

import Testing
import GlimpseTensor
@testable import GlimpseNN

struct MaxPoolInferenceTests {
    /// Values from a small set, so windows hold ties; some -0.0 next to 0.0 and some NaNs.
    static func awkwardInput(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = SeededGenerator(seed: seed)
        let palette: [Float] = [-2, -1, -0.0, 0, 0.5, 1, 3, .nan, -.infinity]
        return Tensor(shape: shape) { _ in palette[Int(random.next() % UInt64(palette.count))] }
    }

    static func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    /// The bits, with -0 read as +0 (columns-first may pick the other zero of a tie).
    static func bitsUpToZeroSign(_ t: Tensor) -> [UInt32] { t.scalars.map { $0 == 0 ? 0 : $0.bitPattern } }

    @Test func inferenceGivesTheTrainingForwardsBits() {
        var checked = 0
        for kernel in 1...4 {
            for stride in 1...3 {
                for padding in 0...(kernel / 2) {
                    for ceil in [false, true] {
                        for (h, w) in [(7, 6), (9, 9), (kernel, kernel + 1), (13, 10)] {
                            var pool = MaxPool2D(kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceil)
                            for seed in [UInt64(1), 2] {
                                let input = Self.awkwardInput([2, 3, h, w], seed: seed &+ UInt64(kernel * 100 + stride * 10 + h))
                                var context = ForwardContext(random: SeededGenerator(seed: 1))
                                let reference = pool.forward(input, context: &context).output
                                let fast = pool(input)
                                #expect(fast.shape == reference.shape)
                                #expect(Self.bitsUpToZeroSign(fast) == Self.bitsUpToZeroSign(reference),
                                        "k\(kernel) s\(stride) p\(padding) ceil \(ceil) \(h)x\(w)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 300)
    }

    /// Without signed zeros (after a ReLU, say), every bit agrees, NaNs included.
    @Test func withoutNegativeZerosEveryBitAgrees() {
        var random = SeededGenerator(seed: 9)
        let palette: [Float] = [-2, -1, 0, 0.5, 1, 3, .nan, -.infinity]
        let input = Tensor(shape: [2, 4, 15, 14]) { _ in palette[Int(random.next() % UInt64(palette.count))] }
        for (kernel, stride, padding, ceil) in [(3, 2, 0, true), (3, 2, 1, false), (3, 1, 1, false), (2, 1, 0, false), (4, 3, 2, true)] {
            var pool = MaxPool2D(kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceil)
            var context = ForwardContext(random: SeededGenerator(seed: 1))
            let reference = pool.forward(input, context: &context).output
            #expect(Self.bits(pool(input)) == Self.bits(reference), "k\(kernel) s\(stride) p\(padding)")
        }
    }

    /// The unrolled 3x3 window sees the same values as the general loop: a plane of distinct
    /// values whose maximum sits in each of the nine positions in turn.
    @Test func theUnrolledWindowFindsTheMaximumInEveryPosition() {
        for position in 0..<9 {
            var values = [Float](repeating: 0, count: 9)
            for i in 0..<9 { values[i] = Float(i) - 10 }
            values[position] = 5
            let y = MaxPool2D(kernelSize: 3, stride: 2)(Tensor(shape: [1, 1, 3, 3], scalars: values))
            #expect(y.scalars == [5], "maximum at \(position)")
        }
    }
}
