// ConvTranspose2D: the transposed ("fractionally strided") convolution, FCN's upsampling layer
// (Caffe's Deconvolution, PyTorch's ConvTranspose2d), over the convolution kernels of
// GlimpseTensor's Convolution.swift: its forward is a convolution's data gradient with the same
// weight, its input gradient is that convolution's forward, and its weight gradient is the
// convolution's weight gradient with input and output gradient swapped.
//
// Output size per axis: (H - 1) * stride - 2 * padding + kernel + outputPadding (PyTorch's).
// `bilinear(channels:kernelSize:)` is FCN's `surgery.interp` initialisation: the bilinear
// interpolation filter on the diagonal (class i to class i) and zeros elsewhere, so that with
// kernel = 2 * stride the layer enlarges a score map by `stride` as bilinear interpolation does.

import GlimpseTensor

/// A transposed convolution over `[N, inChannels, H, W]` with weight `[inChannels, outChannels, kH, kW]`
/// (PyTorch's ConvTranspose2d layout) and an optional bias `[outChannels]`.
public struct ConvTranspose2D: WeightAndBiasLayer {
    /// Filters, `[inChannels, outChannels, kernelHeight, kernelWidth]`.
    public var weight: Tensor
    /// One bias per output channel, `[outChannels]` (nil: none, as FCN's upsampling).
    public var bias: Tensor?
    /// Step between the input's pixels in the output.
    public let stride: Int
    /// Rows and columns removed from each side of the full output.
    public let padding: Int
    /// Rows and columns added at the bottom and right (0 ..< stride): picks among the output
    /// sizes that a convolution with this stride maps to the same input size.
    public let outputPadding: Int

    /// Creates the layer from a weight `[in, out, kH, kW]` and bias `[out]`.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
        precondition(weight.rank == 4, "ConvTranspose2D: weight must be [in, out, kH, kW], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[1]], "ConvTranspose2D: bias must be [\(weight.shape[1])], got \(bias.shape)") }
        precondition(stride >= 1 && padding >= 0 && outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D: stride \(stride), padding \(padding), output padding \(outputPadding)")
        (self.weight, self.bias, self.stride, self.padding, self.outputPadding) = (weight, bias, stride, padding, outputPadding)
    }

    /// Creates the layer with initialised weights (fan-in counted as a convolution's: out x kH x kW per input).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                useBias: Bool = true, initializer: Initializer = .he, random: inout SeededGenerator) {
        let shape = [inChannels, outChannels, kernelSize, kernelSize]
        self.init(weight: initializer.make(shape: shape, fanIn: inChannels * kernelSize * kernelSize,
                                           fanOut: outChannels * kernelSize * kernelSize, random: &random),
                  bias: useBias ? Tensor(zeros: [outChannels]) : nil, stride: stride, padding: padding, outputPadding: outputPadding)
    }

    /// FCN's fixed upsampling by `stride`: `[channels, channels, 2 * stride, 2 * stride]` bilinear
    /// filters on the diagonal, no bias. Output side (H - 1) * stride + 2 * stride.
    public static func bilinear(channels: Int, stride: Int) -> ConvTranspose2D {
        let k = 2 * stride
        let filter = bilinearFilter(size: k)
        var scalars = [Float](repeating: 0, count: channels * channels * k * k)
        for c in 0..<channels {
            let base = (c * channels + c) * k * k
            for i in 0..<(k * k) { scalars[base + i] = filter[i] }
        }
        return ConvTranspose2D(weight: Tensor(shape: [channels, channels, k, k], scalars: scalars), bias: nil, stride: stride)
    }

    /// FCN's `upsample_filt(size)`, `[size * size]` row-major: f = ceil(size / 2),
    /// c = f - 1 (odd size) or f - 0.5 (even), w(x, y) = (1 - |x - c| / f)(1 - |y - c| / f).
    public static func bilinearFilter(size: Int) -> [Float] {
        precondition(size >= 1, "ConvTranspose2D.bilinearFilter: size \(size)")
        let f = Double((size + 1) / 2)
        let c = size % 2 == 1 ? f - 1 : f - 0.5
        var w = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                w[y * size + x] = Float((1 - abs(Double(x) - c) / f) * (1 - abs(Double(y) - c) / f))
            }
        }
        return w
    }

    /// Input channels.
    public var inChannels: Int { weight.shape[0] }
    /// Output channels.
    public var outChannels: Int { weight.shape[1] }

    /// The output side for an input side `size` (per axis; kernels are square).
    public func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + weight.shape[2] + outputPadding }

    /// The window of the convolution this layer transposes.
    var window: StrideAndPadding { StrideAndPadding(stride: stride, padding: padding) }

    /// Inference: `[N, in, H, W]` -> `[N, out, outputSize(H), outputSize(W)]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inChannels,
                     "ConvTranspose2D: input must be [N, \(inChannels), H, W], got \(input.shape)")
        let (oh, ow) = (outputSize(input.shape[2]), outputSize(input.shape[3]))
        precondition(oh >= 1 && ow >= 1, "ConvTranspose2D: input \(input.shape) gives an empty output")
        var output = Convolution.dataGradient(input, weight: weight, inputHeight: oh, inputWidth: ow, window)
        if let bias {
            let (n, o, pixels) = (output.shape[0], outChannels, oh * ow)
            output.withUnsafeMutableBufferPointer { y in
                for image in 0..<n { Convolution.addChannelBias(bias, to: y.baseAddress! + image * o * pixels, channels: o, pixels: pixels) }
            }
        }
        return output
    }

    /// Training forward; the pullback returns `dx` `[N, in, H, W]` (the convolution of `dy` with
    /// the weight) and adds `weight` and `bias` gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let layer = self
        return (output, { dy, gradients in
            precondition(dy.shape == output.shape, "ConvTranspose2D: output gradient \(dy.shape) does not match the output \(output.shape)")
            let wantWeight = gradients.wants("weight")
            let wantBias = layer.bias != nil && gradients.wants("bias")
            if wantWeight {
                // The convolution's weight gradient with its input (here dy) and output gradient (here x).
                let (dw, _) = Convolution.weightGradient(input: dy, outputGradient: input, kernelHeight: layer.weight.shape[2],
                                                         kernelWidth: layer.weight.shape[3], layer.window,
                                                         computesWeight: true, computesBias: false)
                gradients.accumulate("weight", dw!)
            }
            if wantBias {
                let (n, o, pixels) = (dy.shape[0], layer.outChannels, dy.shape[2] * dy.shape[3])
                var db = [Float](repeating: 0, count: o)
                dy.withUnsafeBufferPointer { g in
                    for image in 0..<n {
                        for c in 0..<o {
                            let row = g.baseAddress! + (image * o + c) * pixels
                            var total: Float = 0
                            for i in 0..<pixels { total += row[i] }
                            db[c] += total
                        }
                    }
                }
                gradients.accumulate("bias", Tensor(shape: [o], scalars: db))
            }
            guard gradients.needsInputGradient else { return Tensor(zeros: input.shape) }
            return Convolution.forward(dy, weight: layer.weight, bias: nil, layer.window)
        })
    }
}
