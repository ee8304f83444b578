// Tensor basics, GEMM against the naive product, reductions, channel concat, half precision.

import GlimpseTensor
import Testing

@Suite("Tensor")
struct TensorTests {
    @Test func shapesAndIndexing() {
        var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t[1, 2] == 6)
        t[0, 1] = 9
        #expect(t.scalars == [1, 9, 3, 4, 5, 6])
        #expect(t.reshaped([3, 2]).shape == [3, 2])
        #expect(t.item(1).scalars == [4, 5, 6])
        #expect(Tensor.stack([t.item(0), t.item(1)]) == t)
        #expect(t.items(1..<2).shape == [1, 3])
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaive(_ transposes: (Bool, Bool)) {
        var random = SeededGenerator(seed: 4)
        let (m, k, n) = (7, 13, 5)
        let a = Tensor(shape: transposes.0 ? [k, m] : [m, k]) { _ in random.nextNormal() }
        let b = Tensor(shape: transposes.1 ? [n, k] : [k, n]) { _ in random.nextNormal() }
        func transposed(_ t: Tensor) -> Tensor {
            Tensor(shape: [t.shape[1], t.shape[0]]) { i in t.scalars[(i % t.shape[0]) * t.shape[1] + i / t.shape[0]] }
        }
        let fast = Tensor.matmul(a, b, transposeA: transposes.0, transposeB: transposes.1)
        let naive = Tensor.naiveMatmul(transposes.0 ? transposed(a) : a, transposes.1 ? transposed(b) : b)
        #expect(fast.shape == [m, n])
        #expect((fast - naive).maxAbs() < 1e-4)
    }

    @Test func reductions() {
        let t = Tensor(shape: [2, 3], scalars: [1, -2, 3, 4, 5, -6])
        #expect(t.sum() == 5)
        #expect(t.max() == 5 && t.min() == -6 && t.maxAbs() == 6)
        #expect(t.sum(alongAxis: 0).scalars == [5, 3, -3])
        #expect(t.sum(alongAxis: 1).scalars == [2, 3])
        #expect(t.argmaxRows() == [2, 1])
    }

    @Test func concatAndSplitChannels() {
        let a = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 2], scalars: [5, 6, 7, 8, 9, 10, 11, 12])
        let joined = Tensor.concatChannels([a, b])
        #expect(joined.shape == [2, 3, 2])
        #expect(joined.scalars == [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        #expect(joined.splitChannels([1, 2]) == [a, b])
    }

    @Test func halfPrecisionStorage() {
        let t = Tensor(shape: [4], scalars: [1, 0.1, 65504, 1e-8])
        let half = HalfTensor(t)
        #expect(half.float32.scalars[0] == 1)
        #expect(abs(half.float32.scalars[1] - 0.1) < 1e-4)
        #expect(half.float32.scalars[2] == 65504)
        #expect(half.float32.scalars[3] == 0)  // below the smallest binary16 subnormal
        #expect(t.roundedToHalf() == half.float32)
    }

    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 lies exactly between two bfloat16 values; ties go to the even one (1.0).
        #expect(BFloat16.bits(from: 1 + 1.0 / 256) == 0x3F80)
        #expect(BFloat16.bits(from: 1 + 3.0 / 256) == 0x3F82)
        #expect(BFloat16.float(fromBits: 0x4049) == 3.140625)
        #expect(BFloat16.float(fromBits: BFloat16.bits(from: .nan)).isNaN)
        #expect(BFloat16.bits(from: -2) == 0xC000)
    }

    @Test func seededGeneratorIsReproducibleAndResumable() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var resumed = SeededGenerator(state: a.state)
        #expect(resumed.next() == a.next())
        var c = SeededGenerator(seed: 1)
        let normals = (0..<20000).map { _ in c.nextNormal() }
        let mean = normals.reduce(0, +) / Float(normals.count)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(normals.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
