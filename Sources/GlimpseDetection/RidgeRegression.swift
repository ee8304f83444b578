// RidgeRegression: R-CNN's bounding-box regressors (Girshick et al. 2014, appendix C;
// rcnn_train_bbox_regressor.m): for one class, a linear map from a proposal's CNN features to
// its target (dx, dy, dw, dh) (BoxCoder.raw), fitted by regularised least squares
//   min_W,b  sum_i |t_i - W x_i - b|^2 + lambda |W|^2.
// The bias is not regularised: features and targets are centred, W solves
//   (Xc^T Xc + lambda I) W^T = Xc^T Tc
// in closed form, by a Cholesky factorisation in Double (the matrix is symmetric positive
// definite for lambda > 0), and b = mean(t) - W mean(x). The factorisation is the textbook
// loop, kept naive: one 1024 x 1024 system per class, solved once per training run.

import GlimpseTensor

/// A linear regressor `t = W x + b` fitted by ridge regression.
public struct RidgeRegression: Sendable, Equatable {
    /// `[outputs, d]`, row-major.
    public var weights: [Float]
    /// `[outputs]`.
    public var bias: [Float]
    /// The feature size d.
    public let dimension: Int

    /// Creates a regressor from weights `[outputs, d]` and bias `[outputs]`.
    public init(weights: [Float], bias: [Float], dimension: Int) {
        precondition(dimension >= 1 && weights.count == bias.count * dimension, "RidgeRegression: \(weights.count) weights for \(bias.count) x \(dimension)")
        (self.weights, self.bias, self.dimension) = (weights, bias, dimension)
    }

    /// The prediction `[outputs]` for one feature row of `dimension` values.
    public func predict(_ row: UnsafeBufferPointer<Float>) -> [Float] {
        precondition(row.count == dimension, "RidgeRegression.predict: \(row.count) features for \(dimension)")
        return bias.indices.map { o in
            var s = bias[o]
            for j in 0..<dimension { s += weights[o * dimension + j] * row[j] }
            return s
        }
    }

    /// Fits rows `rows` of `features` `[n, d]` to the same rows of `targets` `[n, m]` with
    /// regularisation `lambda` (> 0). With no rows it is the zero map.
    public static func fit(features: Tensor, targets: Tensor, rows: [Int], lambda: Double) -> RidgeRegression {
        precondition(features.rank == 2 && targets.rank == 2 && features.shape[0] == targets.shape[0],
                     "RidgeRegression.fit: features \(features.shape), targets \(targets.shape)")
        precondition(lambda > 0, "RidgeRegression.fit: lambda \(lambda) must be positive")
        let (d, m) = (features.shape[1], targets.shape[1])
        guard !rows.isEmpty else { return RidgeRegression(weights: [Float](repeating: 0, count: m * d), bias: [Float](repeating: 0, count: m), dimension: d) }
        let x = features.scalars, t = targets.scalars
        let n = Double(rows.count)
        var meanX = [Double](repeating: 0, count: d), meanT = [Double](repeating: 0, count: m)
        for r in rows {
            for j in 0..<d { meanX[j] += Double(x[r * d + j]) }
            for o in 0..<m { meanT[o] += Double(t[r * m + o]) }
        }
        for j in 0..<d { meanX[j] /= n }
        for o in 0..<m { meanT[o] /= n }
        // Centred design matrix [rows, d] and targets [rows, m]; the Gram matrix through BLAS.
        let xc = Tensor(shape: [rows.count, d], scalars: rows.flatMap { r in (0..<d).map { Float(Double(x[r * d + $0]) - meanX[$0]) } })
        let tc = Tensor(shape: [rows.count, m], scalars: rows.flatMap { r in (0..<m).map { Float(Double(t[r * m + $0]) - meanT[$0]) } })
        let gram = Tensor.matmul(xc, xc, transposeA: true).scalars  // [d, d]
        let rhs = Tensor.matmul(xc, tc, transposeA: true).scalars   // [d, m]
        var a = gram.map { Double($0) }
        for j in 0..<d { a[j * d + j] += lambda }
        let solution = solveSymmetricPositiveDefinite(a, rhs.map { Double($0) }, size: d, columns: m)  // [d, m]
        var weights = [Float](repeating: 0, count: m * d), bias = [Float](repeating: 0, count: m)
        for o in 0..<m {
            var b = meanT[o]
            for j in 0..<d {
                weights[o * d + j] = Float(solution[j * m + o])
                b -= solution[j * m + o] * meanX[j]
            }
            bias[o] = Float(b)
        }
        return RidgeRegression(weights: weights, bias: bias, dimension: d)
    }

    /// Solves A X = B for a symmetric positive definite `a` `[size, size]` and `b` `[size, columns]`
    /// (row-major) by Cholesky, A = L L^T, then forward and back substitution. Returns X `[size, columns]`.
    public static func solveSymmetricPositiveDefinite(_ a: [Double], _ b: [Double], size: Int, columns: Int) -> [Double] {
        precondition(a.count == size * size && b.count == size * columns, "RidgeRegression.solve: shapes")
        var l = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var s = a[i * size + j]
                for k in 0..<j { s -= l[i * size + k] * l[j * size + k] }
                if i == j {
                    precondition(s > 0, "RidgeRegression.solve: the matrix is not positive definite (pivot \(i): \(s))")
                    l[i * size + i] = s.squareRoot()
                } else {
                    l[i * size + j] = s / l[j * size + j]
                }
            }
        }
        var x = b
        for c in 0..<columns {
            for i in 0..<size {  // L y = b
                var s = x[i * columns + c]
                for k in 0..<i { s -= l[i * size + k] * x[k * columns + c] }
                x[i * columns + c] = s / l[i * size + i]
            }
            for i in stride(from: size - 1, through: 0, by: -1) {  // L^T x = y
                var s = x[i * columns + c]
                for k in (i + 1)..<size { s -= l[k * size + i] * x[k * columns + c] }
                x[i * columns + c] = s / l[i * size + i]
            }
        }
        return x
    }
}
