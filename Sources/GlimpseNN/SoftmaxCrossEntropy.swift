// SoftmaxCrossEntropy: the loss of every classifier here, fused with its softmax
// (the seed text's SoftmaxWithLoss), with an ignore label for segmentation masks.

import Foundation
import GlimpseTensor

/// Softmax over the class axis followed by cross-entropy against integer labels.
public enum SoftmaxCrossEntropy {
    /// Softmax over axis 1 of `logits` `[N, K]` or `[N, K, H, W]`, numerically stable.
    public static func softmax(_ logits: Tensor) -> Tensor {
        precondition(logits.rank >= 2, "softmax: logits must be [N, K, ...], got \(logits.shape)")
        let (n, k) = (logits.shape[0], logits.shape[1])
        let spatial = logits.count / max(n * k, 1)
        var result = logits
        result.withUnsafeMutableBufferPointer { p in
            for image in 0..<n {
                for s in 0..<spatial {
                    let base = image * k * spatial + s
                    var m = -Float.infinity
                    for c in 0..<k { m = Swift.max(m, p[base + c * spatial]) }
                    var total: Float = 0
                    for c in 0..<k {
                        let e = Foundation.exp(p[base + c * spatial] - m)
                        p[base + c * spatial] = e
                        total += e
                    }
                    for c in 0..<k { p[base + c * spatial] /= total }
                }
            }
        }
        return result
    }

    /// The mean cross-entropy over labelled positions and its gradient with respect to `logits`.
    ///
    /// - Parameters:
    ///   - logits: `[N, K]` or `[N, K, H, W]`.
    ///   - labels: one class per position in row-major order over `[N, H, W]` (`N` for `[N, K]`),
    ///     each in `0..<K` or equal to `ignoreLabel`.
    ///   - ignoreLabel: positions with this label contribute neither loss nor gradient (255 for VOC masks).
    /// - Returns: the loss averaged over labelled positions (0 when none) and `dLoss/dLogits`, shaped like `logits`.
    public static func lossAndGradient(logits: Tensor, labels: [Int], ignoreLabel: Int = -100) -> (loss: Float, gradient: Tensor) {
        let (n, k) = (logits.shape[0], logits.shape[1])
        let spatial = logits.count / max(n * k, 1)
        precondition(labels.count == n * spatial, "SoftmaxCrossEntropy: \(labels.count) labels for logits \(logits.shape)")
        var probabilities = softmax(logits)
        let counted = labels.reduce(0) { $0 + ($1 == ignoreLabel ? 0 : 1) }
        let scale = counted > 0 ? 1 / Float(counted) : 0
        var loss: Double = 0
        probabilities.withUnsafeMutableBufferPointer { p in
            for image in 0..<n {
                for s in 0..<spatial {
                    let label = labels[image * spatial + s]
                    let base = image * k * spatial + s
                    if label == ignoreLabel {
                        for c in 0..<k { p[base + c * spatial] = 0 }
                        continue
                    }
                    precondition(label >= 0 && label < k, "SoftmaxCrossEntropy: label \(label) outside 0..<\(k)")
                    loss -= Foundation.log(Double(Swift.max(p[base + label * spatial], 1e-30)))
                    p[base + label * spatial] -= 1
                    for c in 0..<k { p[base + c * spatial] *= scale }
                }
            }
        }
        return (Float(loss) * scale, probabilities)
    }
}
