// Conv2D: 2-D convolution (cross-correlation, as in every deep-learning library) as a layer:
// the weights, bias, stride and padding, over the three kernels in GlimpseTensor's
// Convolution.swift (forward, data gradient, weight gradient; im2col + GEMM).

import GlimpseTensor

/// A 2-D convolution over `[N, C, H, W]` inputs with weights `[O, C, kH, kW]` (PyTorch's OIHW).
public struct Conv2D: WeightAndBiasLayer {
    /// Filters, `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public var weight: Tensor
    /// One bias per output channel, `[outChannels]` (nil: no bias).
    public var bias: Tensor?
    /// Step between windows (same in both directions).
    public let stride: Int
    /// Zeros added on each side (same in both directions).
    public let padding: Int
    /// Whether the pullback computes the input gradient. A network's first convolution sees
    /// data, whose gradient nobody uses; turning this off there skips a third of its backward
    /// pass, and the pullback returns zeros instead. (It is also skipped whenever
    /// `Gradients.needsInputGradient` is false.)
    public var computesInputGradient = true

    /// Creates a convolution from existing weights `[O, C, kH, kW]` and bias `[O]`.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) {
        precondition(weight.rank == 4, "Conv2D: weight must be [O, C, kH, kW], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Conv2D: bias must be [\(weight.shape[0])], got \(bias.shape)") }
        precondition(stride >= 1 && padding >= 0, "Conv2D: bad stride \(stride) or padding \(padding)")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// Creates a convolution with initialised weights and zero bias.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                useBias: Bool = true, initializer: Initializer = .he, random: inout SeededGenerator) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let fanIn = inChannels * kernelSize * kernelSize
        let fanOut = outChannels * kernelSize * kernelSize
        self.init(weight: initializer.make(shape: shape, fanIn: fanIn, fanOut: fanOut, random: &random),
                  bias: useBias ? Tensor(zeros: [outChannels]) : nil, stride: stride, padding: padding)
    }

    /// Output channels.
    public var outChannels: Int { weight.shape[0] }
    /// Input channels.
    public var inChannels: Int { weight.shape[1] }

    /// The stride and padding, the same in both directions.
    public var window: StrideAndPadding { StrideAndPadding(stride: stride, padding: padding) }

    /// Checks that `input` is `[N, inChannels, H, W]`.
    func checkInput(_ input: Tensor) {
        precondition(input.rank == 4 && input.shape[1] == inChannels,
                     "Conv2D: input must be [N, \(inChannels), H, W], got \(input.shape)")
    }

    /// Inference: `[N, C, H, W]` -> `[N, O, (H + 2p - kH) / s + 1, (W + 2p - kW) / s + 1]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        checkInput(input)
        return Convolution.forward(input, weight: weight, bias: bias, window)
    }

    /// Training forward; the pullback returns `dx` `[N, C, H, W]` and adds `weight` and `bias` gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let layer = self
        return (output, { outputGradient, gradients in
            precondition(outputGradient.shape == output.shape,
                         "Conv2D: output gradient \(outputGradient.shape) does not match the output \(output.shape)")
            return layer.backward(input: input, outputGradient: outputGradient, gradients: &gradients)
        })
    }

    /// The backward pass for `input` `[N, C, H, W]` and `outputGradient` `[N, O, outH, outW]`: the
    /// weight-gradient kernel for the parameters, then the data-gradient kernel for the input
    /// (unless nobody needs it; then zeros).
    func backward(input: Tensor, outputGradient dy: Tensor, gradients: inout Gradients) -> Tensor {
        let wantWeight = gradients.wants("weight")
        let wantBias = bias != nil && gradients.wants("bias")
        if wantWeight || wantBias {
            let (dw, db) = Convolution.weightGradient(input: input, outputGradient: dy, kernelHeight: weight.shape[2],
                                                      kernelWidth: weight.shape[3], window,
                                                      computesWeight: wantWeight, computesBias: wantBias)
            if let dw { gradients.accumulate("weight", dw) }
            if let db { gradients.accumulate("bias", db) }
        }
        guard computesInputGradient && gradients.needsInputGradient else { return Tensor(zeros: input.shape) }
        return Convolution.dataGradient(dy, weight: weight, inputHeight: input.shape[2], inputWidth: input.shape[3], window)
    }
}
