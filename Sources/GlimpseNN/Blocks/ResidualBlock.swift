// ResidualBlock: ResNet's basic block (He et al. 2016): two 3x3 convolutions with batch norm,
// added to the input (identity skip) or to a 1x1 projection with batch norm when the stride or
// the channel count changes, then ReLU: relu(F(x) + x).

import GlimpseTensor

/// Builds residual blocks.
public enum ResidualBlock {
    /// `[N, C, H, W]` -> `[N, channels, H / stride, W / stride]`; parameters under `add.body.*`
    /// (`conv1`, `bn1`, `conv2`, `bn2`) and, with a projection, `add.shortcut.*` (`conv`, `bn`).
    public static func make(inChannels: Int, channels: Int, stride: Int = 1, random: inout SeededGenerator) -> Sequential {
        let body = Sequential([
            ("conv1", Conv2D(inChannels: inChannels, outChannels: channels, kernelSize: 3, stride: stride, padding: 1,
                             useBias: false, random: &random)),
            ("bn1", BatchNorm(channels: channels)), ("relu", ReLU()),
            ("conv2", Conv2D(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, useBias: false,
                             random: &random)),
            ("bn2", BatchNorm(channels: channels)),
        ])
        var shortcut: (any Layer)?
        if stride != 1 || inChannels != channels {
            shortcut = Sequential([
                ("conv", Conv2D(inChannels: inChannels, outChannels: channels, kernelSize: 1, stride: stride,
                                useBias: false, random: &random)),
                ("bn", BatchNorm(channels: channels)),
            ])
        }
        return Sequential([("add", Add(body: body, shortcut: shortcut)), ("relu", ReLU())])
    }
}
