// Convolutionalization: FCN's first step (Long et al. 2015, section 3.1; surgery.transplant):
// a fully connected layer that reads a `[C, kH, kW]` input flattened in row-major order is a
// convolution with `C x kH x kW` filters, one per output unit, with the same numbers. On a
// `[C, kH, kW]` input the convolution gives a 1x1 map holding exactly the layer's outputs; on a
// larger map it gives them for every kH x kW window at once, sharing the work of overlapping
// windows. `linearized` is the inverse, for the naive per-window classifier.

import GlimpseTensor

extension Linear {
    /// The convolution equal to this layer on inputs `[N, channels, kernelHeight, kernelWidth]`
    /// (flattened `C, H, W`): weight `[out, channels, kernelHeight, kernelWidth]`, the same bias,
    /// stride 1, no padding. `in` must be `channels * kernelHeight * kernelWidth`.
    public func convolutionalized(channels: Int, kernelHeight: Int, kernelWidth: Int) -> Conv2D {
        precondition(weight.shape[1] == channels * kernelHeight * kernelWidth,
                     "Linear.convolutionalized: \(weight.shape[1]) inputs are not \(channels)x\(kernelHeight)x\(kernelWidth)")
        return Conv2D(weight: weight.reshaped([weight.shape[0], channels, kernelHeight, kernelWidth]), bias: bias)
    }
}

extension Conv2D {
    /// The fully connected layer equal to this convolution on one `[N, C, kH, kW]` window
    /// (flattened `C, H, W`): weight `[O, C * kH * kW]`, the same bias. Needs stride 1 and no padding.
    public func linearized() -> Linear {
        precondition(padding == 0, "Conv2D.linearized: a padded convolution is not one window's linear map")
        return Linear(weight: weight.reshaped([weight.shape[0], weight.shape[1] * weight.shape[2] * weight.shape[3]]), bias: bias)
    }
}
