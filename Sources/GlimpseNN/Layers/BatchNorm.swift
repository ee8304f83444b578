// BatchNorm (Ioffe & Szegedy 2015) over the channel axis of `[N, C]` or `[N, C, H, W]`.
//
// Training normalises with the batch's statistics and updates the running statistics
// (exponential average with `momentum`, unbiased variance, as PyTorch does); inference
// normalises with the running statistics. With `freezesStatistics` training also normalises
// with the running statistics and leaves them alone (torchvision's FrozenBatchNorm2d, for a
// frozen backbone fine-tuned on small batches). Names follow PyTorch: `weight` (gamma), `bias`
// (beta), buffers `running_mean` and `running_var`.

import GlimpseTensor

/// Batch normalisation with learned scale and shift per channel.
public struct BatchNorm: Layer {
    /// Scale per channel (gamma), `[C]`.
    public var weight: Tensor
    /// Shift per channel (beta), `[C]`.
    public var bias: Tensor
    /// Running mean per channel, `[C]`.
    public var runningMean: Tensor
    /// Running (unbiased) variance per channel, `[C]`.
    public var runningVariance: Tensor
    /// Weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Whether training uses (and keeps) the running statistics instead of the batch's: the layer
    /// is then a fixed per-channel affine map whose `weight` and `bias` still get gradients
    /// (freeze those through the optimizer's frozen prefixes). Not saved in weights files.
    public var freezesStatistics = false

    /// Creates the layer for `channels` channels: gamma 1, beta 0, running mean 0, running variance 1.
    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm: needs channels")
        weight = Tensor(repeating: 1, shape: [channels])
        bias = Tensor(zeros: [channels])
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(repeating: 1, shape: [channels])
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// Channels, batch*spatial count, spatial size for an input `[N, C]` or `[N, C, H, W]`.
    func layout(_ input: Tensor) -> (channels: Int, batch: Int, spatial: Int) {
        precondition((input.rank == 2 || input.rank == 4) && input.shape[1] == weight.count,
                     "BatchNorm: input must be [N, \(weight.count)] or [N, \(weight.count), H, W], got \(input.shape)")
        let spatial = input.rank == 4 ? input.shape[2] * input.shape[3] : 1
        return (weight.count, input.shape[0], spatial)
    }

    /// Applies `y = (x - mean[c]) * scale[c] + shift[c]`.
    static func affine(_ input: Tensor, channels: Int, spatial: Int, scale: [Float], shift: [Float], mean: [Float]) -> Tensor {
        var output = input
        output.withUnsafeMutableBufferPointer { y in
            let n = y.count / (channels * spatial)
            for image in 0..<n {
                for c in 0..<channels {
                    let base = (image * channels + c) * spatial
                    let (m, s, b) = (mean[c], scale[c], shift[c])
                    for i in 0..<spatial { y[base + i] = (y[base + i] - m) * s + b }
                }
            }
        }
        return output
    }

    /// Inference with the running statistics.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (channels, _, spatial) = layout(input)
        let scale = (0..<channels).map { weight.scalars[$0] / (runningVariance.scalars[$0] + epsilon).squareRoot() }
        return BatchNorm.affine(input, channels: channels, spatial: spatial, scale: scale, shift: bias.scalars,
                                mean: runningMean.scalars)
    }

    /// Training forward with batch statistics; updates the running statistics. With
    /// `freezesStatistics`, `forwardWithRunningStatistics` instead.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        if freezesStatistics { return forwardWithRunningStatistics(input) }
        let (channels, batch, spatial) = layout(input)
        let count = batch * spatial
        precondition(count > 1, "BatchNorm: training needs more than one value per channel")
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        input.withUnsafeBufferPointer { x in
            for c in 0..<channels {
                var sum: Double = 0, squares: Double = 0
                for image in 0..<batch {
                    let base = (image * channels + c) * spatial
                    for i in 0..<spatial { let v = Double(x[base + i]); sum += v; squares += v * v }
                }
                let m = sum / Double(count)
                mean[c] = Float(m)
                variance[c] = Float(max(squares / Double(count) - m * m, 0))
            }
        }
        let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let normalized = BatchNorm.affine(input, channels: channels, spatial: spatial, scale: inverseStd,
                                          shift: [Float](repeating: 0, count: channels), mean: mean)
        let output = BatchNorm.affine(normalized, channels: channels, spatial: spatial, scale: weight.scalars,
                                      shift: bias.scalars, mean: [Float](repeating: 0, count: channels))
        let unbias = Float(count) / Float(count - 1)
        for c in 0..<channels {
            runningMean.scalars[c] = (1 - momentum) * runningMean.scalars[c] + momentum * mean[c]
            runningVariance.scalars[c] = (1 - momentum) * runningVariance.scalars[c] + momentum * variance[c] * unbias
        }
        let gamma = weight.scalars
        return (output, { dy, gradients in
            precondition(dy.shape == normalized.shape, "BatchNorm: output gradient \(dy.shape) does not match")
            let (sumDy, sumDyXhat) = BatchNorm.parameterGradients(dy, normalized: normalized, channels: channels,
                                                                  batch: batch, spatial: spatial, into: &gradients)
            var dx = dy
            dx.withUnsafeMutableBufferPointer { d in
                normalized.withUnsafeBufferPointer { xh in
                    for image in 0..<batch {
                        for c in 0..<channels {
                            let base = (image * channels + c) * spatial
                            let k = gamma[c] * inverseStd[c]
                            let meanDy = Float(sumDy[c] / Double(count))
                            let meanDyXhat = Float(sumDyXhat[c] / Double(count))
                            for i in 0..<spatial { d[base + i] = k * (d[base + i] - meanDy - xh[base + i] * meanDyXhat) }
                        }
                    }
                }
            }
            return dx
        })
    }

    /// Training forward with the running statistics, which stay unchanged: `y = x̂ * gamma + beta`
    /// with `x̂ = (x - running_mean) / sqrt(running_var + epsilon)`, so `dx = dy * gamma / sqrt(...)`,
    /// `d gamma = sum(dy * x̂)` and `d beta = sum(dy)` over the batch and spatial positions.
    ///
    /// - Parameter input: `[N, C]` or `[N, C, H, W]`.
    func forwardWithRunningStatistics(_ input: Tensor) -> (output: Tensor, pullback: Pullback) {
        let (channels, batch, spatial) = layout(input)
        let inverseStd = runningVariance.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        let normalized = BatchNorm.affine(input, channels: channels, spatial: spatial, scale: inverseStd,
                                          shift: [Float](repeating: 0, count: channels), mean: runningMean.scalars)
        let output = BatchNorm.affine(normalized, channels: channels, spatial: spatial, scale: weight.scalars,
                                      shift: bias.scalars, mean: [Float](repeating: 0, count: channels))
        let scale = zip(weight.scalars, inverseStd).map { $0 * $1 }
        return (output, { dy, gradients in
            precondition(dy.shape == normalized.shape, "BatchNorm: output gradient \(dy.shape) does not match")
            _ = BatchNorm.parameterGradients(dy, normalized: normalized, channels: channels,
                                             batch: batch, spatial: spatial, into: &gradients)
            return BatchNorm.affine(dy, channels: channels, spatial: spatial, scale: scale,
                                    shift: [Float](repeating: 0, count: channels),
                                    mean: [Float](repeating: 0, count: channels))
        })
    }

    /// Accumulates `weight` += sum(dy * x̂) and `bias` += sum(dy) per channel over the batch and
    /// spatial positions, and returns both sums (Double) for the input gradient.
    ///
    /// - Parameters:
    ///   - dy: the output gradient, `[N, C]` or `[N, C, H, W]`.
    ///   - normalized: x̂, the same shape.
    static func parameterGradients(_ dy: Tensor, normalized: Tensor, channels: Int, batch: Int, spatial: Int,
                                   into gradients: inout Gradients) -> (sumDy: [Double], sumDyXhat: [Double]) {
        var sumDy = [Double](repeating: 0, count: channels)
        var sumDyXhat = [Double](repeating: 0, count: channels)
        dy.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xh in
                for image in 0..<batch {
                    for c in 0..<channels {
                        let base = (image * channels + c) * spatial
                        for i in 0..<spatial {
                            sumDy[c] += Double(g[base + i])
                            sumDyXhat[c] += Double(g[base + i] * xh[base + i])
                        }
                    }
                }
            }
        }
        gradients.accumulate("weight", Tensor(shape: [channels], scalars: sumDyXhat.map { Float($0) }))
        gradients.accumulate("bias", Tensor(shape: [channels], scalars: sumDy.map { Float($0) }))
        return (sumDy, sumDyXhat)
    }

    /// Visits `weight` then `bias`.
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        body("weight", weight)
        body("bias", bias)
    }

    /// Visits `weight` then `bias` mutably.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    /// Visits `running_mean` then `running_var`.
    public func visitBuffers(_ body: (String, Tensor) -> Void) {
        body("running_mean", runningMean)
        body("running_var", runningVariance)
    }

    /// Visits `running_mean` then `running_var` mutably.
    public mutating func updateBuffers(_ body: (String, inout Tensor) -> Void) {
        body("running_mean", &runningMean)
        body("running_var", &runningVariance)
    }
}
