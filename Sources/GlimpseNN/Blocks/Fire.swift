// Fire: SqueezeNet's module (Iandola et al. 2016): a 1x1 "squeeze" convolution with ReLU
// feeding two "expand" convolutions, 1x1 and 3x3 (padding 1), each with ReLU, whose outputs
// are concatenated along channels, the 1x1 branch first.
//
// Parameters are named as in torchvision: `squeeze.*`, `expand1x1.*`, `expand3x3.*`.

import GlimpseTensor

/// SqueezeNet's fire module: `[N, C, H, W]` -> `[N, expand1x1 + expand3x3, H, W]`.
public struct Fire: Layer {
    /// The 1x1 squeeze convolution, `[squeeze, C, 1, 1]`.
    public var squeeze: Conv2D
    /// The 1x1 expand convolution, `[expand1x1, squeeze, 1, 1]`.
    public var expand1x1: Conv2D
    /// The 3x3 expand convolution (padding 1), `[expand3x3, squeeze, 3, 3]`.
    public var expand3x3: Conv2D

    /// Creates the module with He-initialised weights.
    public init(inChannels: Int, squeeze: Int, expand1x1: Int, expand3x3: Int, random: inout SeededGenerator) {
        self.squeeze = Conv2D(inChannels: inChannels, outChannels: squeeze, kernelSize: 1, random: &random)
        self.expand1x1 = Conv2D(inChannels: squeeze, outChannels: expand1x1, kernelSize: 1, random: &random)
        self.expand3x3 = Conv2D(inChannels: squeeze, outChannels: expand3x3, kernelSize: 3, padding: 1, random: &random)
    }

    /// Inference.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let relu = ReLU()
        let s = relu(squeeze(input))
        return Tensor.concatChannels([relu(expand1x1(s)), relu(expand3x3(s))])
    }

    /// Training forward; the pullback splits the gradient between the expand branches, sums
    /// their input gradients and runs it back through the squeeze convolution.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        var relu = ReLU()
        let (s0, squeezePullback) = squeeze.forward(input, context: &context)
        let (s, squeezeReLU) = relu.forward(s0, context: &context)
        let (a0, expand1Pullback) = expand1x1.forward(s, context: &context)
        let (a, expand1ReLU) = relu.forward(a0, context: &context)
        let (b0, expand3Pullback) = expand3x3.forward(s, context: &context)
        let (b, expand3ReLU) = relu.forward(b0, context: &context)
        let counts = [a.shape[1], b.shape[1]]
        return (Tensor.concatChannels([a, b]), { dy, gradients in
            let parts = dy.splitChannels(counts)
            // The expand branches' input gradients feed the squeeze convolution, whatever our caller needs.
            let callerNeedsInput = gradients.needsInputGradient
            gradients.needsInputGradient = true
            var ds = gradients.scoped("expand1x1") { expand1Pullback(expand1ReLU(parts[0], &$0), &$0) }
            ds.add(gradients.scoped("expand3x3") { expand3Pullback(expand3ReLU(parts[1], &$0), &$0) })
            ds = squeezeReLU(ds, &gradients)
            gradients.needsInputGradient = callerNeedsInput
            return gradients.scoped("squeeze") { squeezePullback(ds, &$0) }
        })
    }

    /// Visits `squeeze`, `expand1x1`, `expand3x3`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        body("squeeze", squeeze)
        body("expand1x1", expand1x1)
        body("expand3x3", expand3x3)
    }

    /// Visits the children mutably, in the same order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        Self.updateChild("squeeze", &squeeze, body)
        Self.updateChild("expand1x1", &expand1x1, body)
        Self.updateChild("expand3x3", &expand3x3, body)
    }
}
