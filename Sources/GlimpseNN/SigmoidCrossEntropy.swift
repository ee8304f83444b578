// SigmoidCrossEntropy: binary cross-entropy on logits, the objectness term of a region proposal
// network (torchvision `rpn.py`: `binary_cross_entropy_with_logits` over the sampled anchors;
// py-faster-rcnn's two-way softmax per anchor is the same model with one redundant logit).
//
//   loss = sum over elements of weight x [max(z, 0) - z y + log(1 + exp(-|z|))], divided by `normalizer`
//   dloss/dz = weight x (sigmoid(z) - y) / normalizer
// The form with max and |z| is the numerically stable one (no overflow for large |z|). Weight 0
// drops an element (an anchor that was not sampled).

import Foundation
import GlimpseTensor

/// Weighted binary cross-entropy on logits with its gradient.
public enum SigmoidCrossEntropy {
    /// The loss and `dLoss/dLogits`.
    ///
    /// - Parameters:
    ///   - logits: any shape, e.g. `[N, A, H, W]`.
    ///   - targets: the same shape, each 0 or 1 (any value in [0, 1] works).
    ///   - weights: the same shape; each element's weight (0 drops it).
    ///   - normalizer: the divisor of the weighted sum (> 0), e.g. the number of sampled anchors.
    /// - Returns: the loss and its gradient, shaped like `logits`.
    public static func lossAndGradient(logits: Tensor, targets: Tensor, weights: Tensor, normalizer: Float) -> (loss: Float, gradient: Tensor) {
        precondition(targets.shape == logits.shape && weights.shape == logits.shape,
                     "SigmoidCrossEntropy: logits \(logits.shape), targets \(targets.shape), weights \(weights.shape) differ")
        precondition(normalizer > 0, "SigmoidCrossEntropy: normalizer \(normalizer) must be positive")
        var total: Double = 0
        let gradient = Tensor(uninitializedShape: logits.shape) { g in
            logits.withUnsafeBufferPointer { z in
                targets.withUnsafeBufferPointer { y in
                    weights.withUnsafeBufferPointer { w in
                        for i in 0..<z.count {
                            guard w[i] != 0 else {
                                g[i] = 0
                                continue
                            }
                            let x = Double(z[i])
                            total += Double(w[i]) * (max(x, 0) - x * Double(y[i]) + log1p(exp(-abs(x))))
                            let p = 1 / (1 + exp(-x))
                            g[i] = w[i] * Float(p - Double(y[i])) / normalizer
                        }
                    }
                }
            }
        }
        return (Float(total / Double(normalizer)), gradient)
    }

    /// The logistic function of each element: the objectness probability of a logit.
    public static func sigmoid(_ logits: Tensor) -> Tensor {
        Tensor(uninitializedShape: logits.shape) { out in
            logits.withUnsafeBufferPointer { z in
                for i in 0..<z.count { out[i] = 1 / (1 + exp(-z[i])) }
            }
        }
    }
}
