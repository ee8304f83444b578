// InceptionBlock: GoogLeNet's module (Szegedy et al. 2015): four branches over the same input,
// concatenated along channels: 1x1; 1x1 reduction then 3x3; 1x1 reduction then 5x5; 3x3
// max-pool (stride 1, padding 1) then 1x1. The 1x1 reductions keep the 3x3 and 5x5 cheap.

import GlimpseTensor

/// The channel counts of an inception block's branches.
public struct InceptionChannels: Sendable {
    /// The 1x1 branch.
    public var branch1x1: Int
    /// The 3x3 branch: its 1x1 reduction and the 3x3 output.
    public var reduce3x3: Int, branch3x3: Int
    /// The 5x5 branch: its 1x1 reduction and the 5x5 output.
    public var reduce5x5: Int, branch5x5: Int
    /// The 1x1 after the pooling branch.
    public var poolProjection: Int

    /// Creates the channel counts.
    public init(branch1x1: Int, reduce3x3: Int, branch3x3: Int, reduce5x5: Int, branch5x5: Int, poolProjection: Int) {
        self.branch1x1 = branch1x1
        self.reduce3x3 = reduce3x3; self.branch3x3 = branch3x3
        self.reduce5x5 = reduce5x5; self.branch5x5 = branch5x5
        self.poolProjection = poolProjection
    }

    /// The output channels: the sum of the four branches.
    public var outChannels: Int { branch1x1 + branch3x3 + branch5x5 + poolProjection }
}

/// Builds inception blocks.
public enum InceptionBlock {
    /// `[N, C, H, W]` -> `[N, channels.outChannels, H, W]`; branches `b1`, `b3`, `b5`, `pool`.
    public static func make(inChannels: Int, channels c: InceptionChannels, random: inout SeededGenerator) -> Concat {
        func conv(_ i: Int, _ o: Int, _ k: Int) -> Conv2D {
            Conv2D(inChannels: i, outChannels: o, kernelSize: k, padding: k / 2, random: &random)
        }
        return Concat([
            ("b1", Sequential([("conv", conv(inChannels, c.branch1x1, 1)), ("relu", ReLU())])),
            ("b3", Sequential([("reduce", conv(inChannels, c.reduce3x3, 1)), ("relu1", ReLU()),
                               ("conv", conv(c.reduce3x3, c.branch3x3, 3)), ("relu2", ReLU())])),
            ("b5", Sequential([("reduce", conv(inChannels, c.reduce5x5, 1)), ("relu1", ReLU()),
                               ("conv", conv(c.reduce5x5, c.branch5x5, 5)), ("relu2", ReLU())])),
            ("pool", Sequential([("pool", MaxPool2D(kernelSize: 3, stride: 1, padding: 1)),
                                 ("conv", conv(inChannels, c.poolProjection, 1)), ("relu", ReLU())])),
        ])
    }
}
