// FCNNetwork: a fully convolutional network (Long et al. 2015) on the seed text's DeepConvNet.
//
//   image [N, 3, H, W] -> zero padding (pad on top and left, pad + e on bottom and right)
//   -> stage1 conv1 relu1 conv2 relu2 pool1 [N, 16, ., .]   (stride 2)
//   -> stage2 conv3 relu3 conv4 relu4 pool2 [N, 32, ., .]   (stride 4)
//   -> stage3 conv5 relu5 conv6 relu6 pool3 [N, 64, ., .]   (stride 8)
//   -> head   fc1 (DeepConvNet's Linear(1024 -> 50) convolutionalised: 4x4 conv, 64 -> 50), relu7,
//             dropout1, score_fr (1x1, 50 -> K, zero-initialised)                 [N, K, h, w]
//   fcn-32s:  upscore (x8, fixed bilinear) -> crop to the image                    [N, K, H, W]
//   fcn-16s:  upscore2 (x2) + crop(score_pool2(pool2)) -> upscore (x4) -> crop
//   fcn-8s:   upscore2 (x2) + crop(score_pool2(pool2)) -> upscore_pool2 (x2)
//             + crop(score_pool1(pool1)) -> upscore (x2) -> crop
//
// As in the FCN repository: the scoring layers (`score_fr`, `score_pool2`, `score_pool1`) start
// at zero; the upsampling layers are transposed convolutions with kernel 2 x stride initialised
// to bilinear interpolation and never trained (`upsamplingPrefix` is frozen); DeepConvNet's fc2
// (the MNIST classifier, FCN's fc8) is dropped. The crop offsets come from ScoreMapGeometry,
// not from the paper: they follow from the layer shapes. The paper pads conv1_1 by 100 so that
// any input is covered; here the image gets `inputPad` (6) zero rows and columns above and left,
// what this geometry needs, and below and right what the image's size needs (`padding(side:)`).
//
// Parameter names are DeepConvNet's for conv1..conv6 and fc1 (fc1's weight is stored as the
// convolution's `[50, 64, 4, 4]`, the Linear's `[50, 1024]` reshaped) and the FCN repository's
// for the rest, so one safetensors file loads here and in PyTorch.

import GlimpseModels
import GlimpseNN
import GlimpseTensor

/// FCN-32s, -16s or -8s on DeepConvNet.
public struct FCNNetwork: Layer {
    /// conv1..pool1 (stride 2).
    public var stage1: Sequential
    /// conv3..pool2 (stride 4).
    public var stage2: Sequential
    /// conv5..pool3 (stride 8).
    public var stage3: Sequential
    /// fc1 (as a 4x4 convolution), relu7, dropout1, score_fr.
    public var head: Sequential
    /// 1x1 scores of pool2 (16s and 8s).
    public var scorePool2: Conv2D?
    /// 1x1 scores of pool1 (8s).
    public var scorePool1: Conv2D?
    /// x2 of score_fr (16s and 8s).
    public var upscore2: ConvTranspose2D?
    /// x2 of the pool2 fusion (8s).
    public var upscorePool2: ConvTranspose2D?
    /// The final enlargement to the input's stride.
    public var upscore: ConvTranspose2D
    /// Which net this is.
    public let variant: FCNVariant
    /// Zero rows and columns added above and left of the image (and at least as many below and right): `inputPad`.
    public let pad: Int
    /// Cells cropped from the start of score_pool2 and score_pool1 to align them, and from the
    /// final map to align it with the image.
    public let pool2Offset: Int, pool1Offset: Int, outputOffset: Int

    /// Parameter-name prefix of the fixed upsampling layers (frozen in training).
    public static let upsamplingPrefix = "upscore"
    /// The convolutions' geometry (kernel, stride, padding) in order, for ScoreMapGeometry:
    /// DeepConvNet's, with fc1 as a 4x4 convolution.
    static let stage1Windows = [(3, 1, 1), (3, 1, 1), (2, 2, 0)]
    static let stage2Windows = [(3, 1, 1), (3, 1, 2), (2, 2, 0)]
    static let stage3Windows = [(3, 1, 1), (3, 1, 1), (2, 2, 0)]
    static let headWindows = [(4, 1, 0), (1, 1, 0)]

    /// A network for `classes` classes (background included) with `hidden` units in fc1,
    /// He-initialised from `seed` (load DeepConvNet or a coarser FCN over it).
    public init(variant: FCNVariant, classes: Int, hidden: Int = 50, dropout: Float = 0, inputChannels: Int = 3, seed: UInt64) {
        precondition(classes >= 2 && hidden >= 1, "FCNNetwork: \(classes) classes, \(hidden) hidden")
        let full = DeepConvNet.make(classes: 10, seed: seed, inputChannels: inputChannels)
        func layers(_ names: [String]) -> Sequential { Sequential(full.layers.filter { names.contains($0.name) }.map { ($0.name, $0.layer) }) }
        stage1 = layers(["conv1", "relu1", "conv2", "relu2", "pool1"])
        stage2 = layers(["conv3", "relu3", "conv4", "relu4", "pool2"])
        stage3 = layers(["conv5", "relu5", "conv6", "relu6", "pool3"])
        var random = SeededGenerator(seed: seed).derived(0x6663_6e)
        head = Sequential([
            ("fc1", Conv2D(inChannels: 64, outChannels: hidden, kernelSize: 4, random: &random)), ("relu7", ReLU()),
            ("dropout1", Dropout(probability: dropout)),
            ("score_fr", Conv2D(weight: Tensor(zeros: [classes, hidden, 1, 1]), bias: Tensor(zeros: [classes]))),
        ])
        self.variant = variant
        scorePool2 = variant.skips >= 1 ? Conv2D(weight: Tensor(zeros: [classes, 32, 1, 1]), bias: Tensor(zeros: [classes])) : nil
        scorePool1 = variant.skips >= 2 ? Conv2D(weight: Tensor(zeros: [classes, 16, 1, 1]), bias: Tensor(zeros: [classes])) : nil
        upscore2 = variant.skips >= 1 ? .bilinear(channels: classes, stride: 2) : nil
        upscorePool2 = variant.skips >= 2 ? .bilinear(channels: classes, stride: 2) : nil
        upscore = .bilinear(channels: classes, stride: [8, 4, 2][variant.skips])

        let geometry = Self.geometry(variant)
        (pool2Offset, pool1Offset) = (geometry.pool2Offset, geometry.pool1Offset)
        pad = Self.inputPad
        outputOffset = pad - geometry.firstPixel
    }

    /// Where the maps of `variant` sit on its (padded) input: the crops that align the skips,
    /// and the input pixel the final map's cell 0 falls on (from ScoreMapGeometry).
    static func geometry(_ variant: FCNVariant) -> (pool2Offset: Int, pool1Offset: Int, firstPixel: Int) {
        func through(_ g: ScoreMapGeometry, _ windows: [(Int, Int, Int)]) -> ScoreMapGeometry {
            windows.reduce(g) { $0.window(kernel: $1.0, stride: $1.1, padding: $1.2) }
        }
        let pool1 = through(.input, stage1Windows)
        let pool2 = through(pool1, stage2Windows)
        var coarse = through(through(pool2, stage3Windows), headWindows), o2 = 0, o1 = 0
        if variant.skips >= 1 {
            coarse = coarse.transposed(kernel: 4, stride: 2)
            o2 = pool2.cropOffset(onto: coarse)!
        }
        if variant.skips >= 2 {
            coarse = coarse.transposed(kernel: 4, stride: 2)
            o1 = pool1.cropOffset(onto: coarse)!
        }
        let stride = [8, 4, 2][variant.skips]
        let final = coarse.transposed(kernel: 2 * stride, stride: stride)
        precondition(final.scale == 1 && final.offset == final.offset.rounded() && final.offset >= 0,
                     "FCNNetwork: final map \(final) is not pixel-aligned")
        return (o2, o1, Int(final.offset))
    }

    /// The zero rows and columns above and left of the image: the most any of the three nets
    /// needs for its final map to start at the image's first pixel (6 with DeepConvNet). The same
    /// for all three, so a finer net sees the image on the coarser net's grid (staged training).
    public static let inputPad = FCNVariant.allCases.map { geometry($0).firstPixel }.max()!

    /// Classes (background included).
    public var classes: Int { upscore.outChannels }
    /// fc1's units.
    public var hidden: Int { (head["fc1"] as! Conv2D).outChannels }

    /// The sizes of the maps for a padded input side `size`: pool1, pool2, score_fr, and the
    /// maps before each crop (nil: a window does not fit).
    func sizes(paddedSide size: Int) -> (pool1: Int, pool2: Int, scores: Int, fused: [Int], output: Int)? {
        func through(_ s: Int, _ windows: [(Int, Int, Int)]) -> Int {
            windows.reduce(s) { MapSize.window($0, kernel: $1.0, stride: $1.1, padding: $1.2) }
        }
        let p1 = through(size, Self.stage1Windows), p2 = through(p1, Self.stage2Windows)
        let scores = through(through(p2, Self.stage3Windows), Self.headWindows)
        guard scores >= 1 else { return nil }
        var coarse = scores, fused = [Int]()
        if variant.skips >= 1 {
            coarse = MapSize.transposed(coarse, kernel: 4, stride: 2)
            guard pool2Offset + coarse <= p2 else { return nil }
            fused.append(coarse)
        }
        if variant.skips >= 2 {
            coarse = MapSize.transposed(coarse, kernel: 4, stride: 2)
            guard pool1Offset + coarse <= p1 else { return nil }
            fused.append(coarse)
        }
        return (p1, p2, scores, fused, MapSize.transposed(coarse, kernel: upscore.weight.shape[2], stride: upscore.stride))
    }

    /// The zero padding an image side `side` gets before conv1: `pad` before, and after it the
    /// least amount (at least `pad`) for which every crop fits and the output covers the image.
    public func padding(side: Int) -> (before: Int, after: Int) {
        for after in pad..<(pad + 64) {
            if let s = sizes(paddedSide: side + pad + after), outputOffset + side <= s.output { return (pad, after) }
        }
        preconditionFailure("FCNNetwork: no padding covers a side of \(side)")
    }

    /// `input` `[N, C, H, W]` with zero rows and columns around it for the network.
    func padded(_ input: Tensor) -> Tensor {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (top, bottom) = padding(side: h), (left, right) = padding(side: w)
        let (ph, pw) = (h + top + bottom, w + left + right)
        var out = Tensor(zeros: [n, c, ph, pw])
        out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { x in
                for plane in 0..<(n * c) {
                    for row in 0..<h {
                        (o.baseAddress! + (plane * ph + top + row) * pw + left).update(from: x.baseAddress! + (plane * h + row) * w, count: w)
                    }
                }
            }
        }
        return out
    }

    /// Per-pixel class scores (logits) of images `[N, C, H, W]` (any H, W >= 1): `[N, classes, H, W]`.
    public func callAsFunction(_ input: Tensor) -> Tensor { scores(input, halfPrecision: false) }

    /// Per-pixel class scores; `halfPrecision` rounds every layer's output to Float16 (the weights
    /// are rounded by `roundedToHalf()`): what storing activations in half precision costs.
    public func scores(_ input: Tensor, halfPrecision: Bool) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == (stage1["conv1"] as! Conv2D).inChannels,
                     "FCNNetwork: input must be [N, \((stage1["conv1"] as! Conv2D).inChannels), H, W], got \(input.shape)")
        let round: (Tensor) -> Tensor = halfPrecision ? { $0.roundedToHalf() } : { $0 }
        let (h, w) = (input.shape[2], input.shape[3])
        let x = round(padded(input))
        let a1 = stage1(x, halfPrecisionActivations: halfPrecision)
        let a2 = stage2(a1, halfPrecisionActivations: halfPrecision)
        var coarse = head(stage3(a2, halfPrecisionActivations: halfPrecision), halfPrecisionActivations: halfPrecision)
        if let upscore2, let scorePool2 {
            coarse = round(upscore2(coarse))
            let skip = round(scorePool2(a2))
            coarse.add(Crop(top: pool2Offset, left: pool2Offset, height: coarse.shape[2], width: coarse.shape[3])(skip))
            coarse = round(coarse)
        }
        if let upscorePool2, let scorePool1 {
            coarse = round(upscorePool2(coarse))
            let skip = round(scorePool1(a1))
            coarse.add(Crop(top: pool1Offset, left: pool1Offset, height: coarse.shape[2], width: coarse.shape[3])(skip))
            coarse = round(coarse)
        }
        return round(Crop(top: outputOffset, left: outputOffset, height: h, width: w)(upscore(coarse)))
    }

    /// A copy with every parameter rounded to Float16 and back (half-precision weights).
    public func roundedToHalf() -> FCNNetwork {
        var copy = self
        copy.updateParameters { _, value in value = value.roundedToHalf() }
        return copy
    }

    /// Training forward on images `[N, C, H, W]`: scores `[N, classes, H, W]` and the pullback,
    /// which adds every trainable parameter's gradient (the image gets none).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (h, w) = (input.shape[2], input.shape[3])
        let inputShape = input.shape
        let (a1, back1) = stage1.forward(padded(input), context: &context)
        let (a2, back2) = stage2.forward(a1, context: &context)
        let (a3, back3) = stage3.forward(a2, context: &context)
        var (coarse, backHead) = head.forward(a3, context: &context)
        var skipBacks = [(up: Pullback, score: Pullback, crop: Pullback, name: String, upName: String)]()
        if var upscore2, var scorePool2 {
            let (up, upBack) = upscore2.forward(coarse, context: &context)
            let (skip, scoreBack) = scorePool2.forward(a2, context: &context)
            var crop = Crop(top: pool2Offset, left: pool2Offset, height: up.shape[2], width: up.shape[3])
            let (cropped, cropBack) = crop.forward(skip, context: &context)
            coarse = up + cropped
            skipBacks.append((upBack, scoreBack, cropBack, "score_pool2", "upscore2"))
        }
        if var upscorePool2, var scorePool1 {
            let (up, upBack) = upscorePool2.forward(coarse, context: &context)
            let (skip, scoreBack) = scorePool1.forward(a1, context: &context)
            var crop = Crop(top: pool1Offset, left: pool1Offset, height: up.shape[2], width: up.shape[3])
            let (cropped, cropBack) = crop.forward(skip, context: &context)
            coarse = up + cropped
            skipBacks.append((upBack, scoreBack, cropBack, "score_pool1", "upscore_pool2"))
        }
        var upscore = self.upscore
        let (up, upBack) = upscore.forward(coarse, context: &context)
        var crop = Crop(top: outputOffset, left: outputOffset, height: h, width: w)
        let (output, cropBack) = crop.forward(up, context: &context)
        return (output, { dy, gradients in
            let outer = gradients.needsInputGradient
            defer { gradients.needsInputGradient = outer }
            gradients.needsInputGradient = true
            var g = gradients.scoped("upscore") { upBack(cropBack(dy, &$0), &$0) }
            // Skips, finest first: each fused map's gradient goes to its skip and to the coarser map.
            var skipGradients: [String: Tensor] = [:]
            for skip in skipBacks.reversed() {
                skipGradients[skip.name] = gradients.scoped(skip.name) { skip.score(skip.crop(g, &$0), &$0) }
                g = gradients.scoped(skip.upName) { skip.up(g, &$0) }
            }
            var d3 = backHead(g, &gradients)
            d3 = back3(d3, &gradients)
            if let d = skipGradients["score_pool2"] { d3.add(d) }
            var d2 = back2(d3, &gradients)
            if let d = skipGradients["score_pool1"] { d2.add(d) }
            gradients.needsInputGradient = false
            _ = back1(d2, &gradients)
            return Tensor(zeros: inputShape)
        })
    }

    /// stage1..3's and the head's layers, then score_pool2, upscore2, score_pool1, upscore_pool2, upscore.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        stage1.visitChildren(body)
        stage2.visitChildren(body)
        stage3.visitChildren(body)
        head.visitChildren(body)
        if let scorePool2 { body("score_pool2", scorePool2) }
        if let upscore2 { body("upscore2", upscore2) }
        if let scorePool1 { body("score_pool1", scorePool1) }
        if let upscorePool2 { body("upscore_pool2", upscorePool2) }
        body("upscore", upscore)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        stage1.updateChildren(body)
        stage2.updateChildren(body)
        stage3.updateChildren(body)
        head.updateChildren(body)
        if scorePool2 != nil { Self.updateChild("score_pool2", &scorePool2!, body) }
        if upscore2 != nil { Self.updateChild("upscore2", &upscore2!, body) }
        if scorePool1 != nil { Self.updateChild("score_pool1", &scorePool1!, body) }
        if upscorePool2 != nil { Self.updateChild("upscore_pool2", &upscorePool2!, body) }
        Self.updateChild("upscore", &upscore, body)
    }
}
