// RidgeRegressionTests: the closed-form ridge fit recovers an exact affine map, lambda shrinks
// the weights towards zero (and the bias towards the targets' mean), and the Cholesky solve
// on a system solved by hand.

import GlimpseDetection
import GlimpseTensor
import Testing

@Suite("RidgeRegression")
struct RidgeRegressionTests {
    /// 300 random rows of 6 features and targets t = A x + b exactly (3 outputs).
    static func data() -> (Tensor, Tensor, [Float], [Float]) {
        var random = SeededGenerator(seed: 11)
        let a: [Float] = (0..<18).map { _ in random.nextNormal() }
        let b: [Float] = [0.5, -1, 2]
        let x: [Float] = (0..<1800).map { _ in random.nextNormal() * 3 + 1 }
        var t = [Float]()
        for r in 0..<300 {
            for o in 0..<3 { t.append(b[o] + (0..<6).reduce(Float(0)) { $0 + a[o * 6 + $1] * x[r * 6 + $1] }) }
        }
        return (Tensor(shape: [300, 6], scalars: x), Tensor(shape: [300, 3], scalars: t), a, b)
    }

    @Test func recoversAnExactLinearMap() {
        let (x, t, a, b) = Self.data()
        let fit = RidgeRegression.fit(features: x, targets: t, rows: Array(0..<300), lambda: 1e-6)
        for (found, truth) in zip(fit.weights, a) { #expect(abs(found - truth) < 1e-3) }
        for (found, truth) in zip(fit.bias, b) { #expect(abs(found - truth) < 1e-3) }
        let prediction = x.withUnsafeBufferPointer { fit.predict(UnsafeBufferPointer(rebasing: $0[0..<6])) }
        for o in 0..<3 { #expect(abs(prediction[o] - t.scalars[o]) < 1e-3) }
    }

    @Test func lambdaShrinks() {
        let (x, t, _, _) = Self.data()
        let norms = [1.0, 1e3, 1e5, 1e9].map { lambda in
            RidgeRegression.fit(features: x, targets: t, rows: Array(0..<300), lambda: lambda).weights.reduce(0) { $0 + $1 * $1 }
        }
        #expect(norms[0] > norms[1] && norms[1] > norms[2] && norms[2] > norms[3])
        #expect(norms[3] < 1e-6)
        // With the weights gone the bias is the targets' mean (the bias is not regularised).
        let flat = RidgeRegression.fit(features: x, targets: t, rows: Array(0..<300), lambda: 1e12)
        for o in 0..<3 {
            let mean = (0..<300).reduce(Float(0)) { $0 + t.scalars[$1 * 3 + o] } / 300
            #expect(abs(flat.bias[o] - mean) < 1e-3)
        }
    }

    /// [[4, 2], [2, 3]] x = [2, 1]: det 8, x = ((3 * 2 - 2 * 1) / 8, (4 * 1 - 2 * 2) / 8) = (0.5, 0).
    @Test func choleskySolveByHand() {
        let x = RidgeRegression.solveSymmetricPositiveDefinite([4, 2, 2, 3], [2, 1], size: 2, columns: 1)
        #expect(abs(x[0] - 0.5) < 1e-12 && abs(x[1]) < 1e-12)
    }

    @Test func noRowsIsTheZeroMap() {
        let (x, t, _, _) = Self.data()
        let fit = RidgeRegression.fit(features: x, targets: t, rows: [], lambda: 1000)
        #expect(fit.weights.allSatisfy { $0 == 0 } && fit.bias == [0, 0, 0])
    }
}
