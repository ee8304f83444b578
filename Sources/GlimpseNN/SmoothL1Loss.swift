// SmoothL1Loss: the box-regression term of Fast R-CNN's multi-task loss (Girshick 2015, eq. 3).
//
//   f(d) = 0.5 d^2 / beta   if |d| < beta,   |d| - 0.5 beta   otherwise,   d = prediction - target
//   loss = sum over elements of weight x f(d), divided by `normalizer`
// beta = 1 is the paper's smooth L1; py-faster-rcnn's sigma is beta = 1 / sigma^2 (sigma 3 for the
// RPN); torchvision's box head uses beta = 1/9 and divides by the number of sampled RoIs. The
// weights select what is regressed: 1 on the four outputs of each foreground RoI's true class,
// 0 elsewhere (py-faster-rcnn's `bbox_inside_weights`), so background RoIs add nothing.

import GlimpseTensor

/// Weighted smooth L1 (Huber) loss with its gradient.
public enum SmoothL1Loss {
    /// The loss and `dLoss/dPredictions`.
    ///
    /// - Parameters:
    ///   - predictions: `[R, 4K]` (any shape; compared element by element).
    ///   - targets: the same shape as `predictions`.
    ///   - weights: the same shape; each element's weight (0 drops it).
    ///   - beta: where the quadratic part turns linear (> 0).
    ///   - normalizer: the divisor of the weighted sum (> 0), e.g. the number of sampled RoIs.
    /// - Returns: the loss and its gradient, shaped like `predictions`.
    public static func lossAndGradient(predictions: Tensor, targets: Tensor, weights: Tensor, beta: Float = 1,
                                       normalizer: Float) -> (loss: Float, gradient: Tensor) {
        precondition(targets.shape == predictions.shape && weights.shape == predictions.shape,
                     "SmoothL1Loss: predictions \(predictions.shape), targets \(targets.shape), weights \(weights.shape) differ")
        precondition(beta > 0 && normalizer > 0, "SmoothL1Loss: beta \(beta) and normalizer \(normalizer) must be positive")
        var total: Double = 0
        let gradient = Tensor(uninitializedShape: predictions.shape) { g in
            predictions.withUnsafeBufferPointer { p in
                targets.withUnsafeBufferPointer { t in
                    weights.withUnsafeBufferPointer { w in
                        for i in 0..<p.count {
                            let d = p[i] - t[i]
                            guard w[i] != 0 else {
                                g[i] = 0
                                continue
                            }
                            if abs(d) < beta {
                                total += Double(w[i]) * 0.5 * Double(d) * Double(d) / Double(beta)
                                g[i] = w[i] * d / beta / normalizer
                            } else {
                                total += Double(w[i]) * (Double(abs(d)) - 0.5 * Double(beta))
                                g[i] = w[i] * (d > 0 ? 1 : -1) / normalizer
                            }
                        }
                    }
                }
            }
        }
        return (Float(total / Double(normalizer)), gradient)
    }
}
