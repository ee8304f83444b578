// VGGStage: Simonyan & Zisserman (2015)'s building unit: n stacked 3x3 convolutions with
// padding 1 and ReLU (two 3x3 see as far as one 5x5 with fewer weights), then 2x2 max-pooling.

import GlimpseTensor

/// Builds VGG stages.
public enum VGGStage {
    /// `[N, C, H, W]` -> `[N, channels, H/2, W/2]`: `conv1`-`relu1` ... `convN`-`reluN`, `pool`.
    public static func make(inChannels: Int, channels: Int, convolutions: Int, random: inout SeededGenerator) -> Sequential {
        precondition(convolutions >= 1, "VGGStage: needs at least one convolution")
        var layers: [(String, any Layer)] = []
        for index in 1...convolutions {
            layers.append(("conv\(index)", Conv2D(inChannels: index == 1 ? inChannels : channels, outChannels: channels,
                                                  kernelSize: 3, padding: 1, random: &random)))
            layers.append(("relu\(index)", ReLU()))
        }
        layers.append(("pool", MaxPool2D(kernelSize: 2)))
        return Sequential(layers)
    }
}
