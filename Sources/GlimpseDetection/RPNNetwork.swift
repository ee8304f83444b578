// RPNNetwork: the region proposal network (Ren et al. 2015, section 3.1) on the seed text's
// DeepConvNet.
//
//   image [N, 3, S, S] -> trunk (DeepConvNet conv1..relu6, Fast R-CNN's) -> [N, 64, h, w]
//   -> rpn_conv 3x3 (pad 1), ReLU -> [N, hidden, h, w]
//        -> rpn_cls_score 1x1 -> objectness logits [N, A, h, w] (one sigmoid per anchor)
//        -> rpn_bbox_pred 1x1 -> box deltas [N, 4A, h, w] (dx, dy, dw, dh of anchor a in 4a..4a+3)
//
// py-faster-rcnn's head is a 3x3 convolution of 512 then 1x1 outputs of 2A (softmax pairs) and 4A;
// here the objectness is one logit per anchor (torchvision's), and the 3x3 convolution has
// `hidden` channels (64, DeepConvNet's width). The outputs start as py-faster-rcnn's:
// normal(0, 0.01) weights, zero biases. Parameter names are DeepConvNet's for the trunk (so its
// and Fast R-CNN's weights load by name) and py-faster-rcnn's for the head.
//
// With `trunkKind: .tiny(widths:)` the trunk is the RPN's own three 3x3 convolutions to stride 4
// instead (RPNTrunk: `tiny_conv1..3`, [N, 3, S, S] -> [N, w3, S/4, S/4]), trained from scratch.

import GlimpseNN
import GlimpseTensor

/// The region proposal network: trunk, 3x3 convolution, objectness and box-delta outputs.
public struct RPNNetwork: Layer {
    /// DeepConvNet's layers up to `featureLayer`, `[N, C, S, S]` -> `[N, 64, h, w]` (the tiny trunk's: `[N, w3, S/4, S/4]`).
    public var trunk: Sequential
    /// The 3x3 convolution and the two outputs, `[N, 64, h, w]` -> `[N, A, h, w]` and `[N, 4A, h, w]`.
    public var head: RPNHead
    /// The trunk layer the head reads.
    public let featureLayer: String
    /// The network input's side in pixels.
    public let inputSize: Int
    /// The trunk's feature-map side (h = w) on that input, measured.
    public let featureSize: Int
    /// Which trunk: DeepConvNet's (Fast R-CNN's) or the RPN's own tiny one.
    public let trunkKind: RPNTrunk

    /// A network with `anchorsPerPosition` anchors per cell on `inputChannels`-channel images of
    /// side `inputSize`, `hidden` channels in the 3x3 convolution, on `trunkKind` read at
    /// `featureLayer` (nil: the trunk's default), initialised from `seed`.
    public init(anchorsPerPosition: Int, inputSize: Int, inputChannels: Int = 3, hidden: Int = 64,
                featureLayer: String? = nil, trunkKind: RPNTrunk = .deepconvnet, seed: UInt64) {
        precondition(anchorsPerPosition >= 1 && inputSize >= 32 && hidden >= 1,
                     "RPNNetwork: \(anchorsPerPosition) anchors, input \(inputSize), hidden \(hidden)")
        let featureLayer = featureLayer ?? trunkKind.defaultFeatureLayer
        trunk = trunkKind.makeLayers(featureLayer: featureLayer, inputChannels: inputChannels, seed: seed)
        var random = SeededGenerator(seed: seed).derived(0x7270_6e)
        head = RPNHead(inChannels: trunkKind.outputChannels, hidden: hidden, anchorsPerPosition: anchorsPerPosition, random: &random)
        (self.featureLayer, self.inputSize, self.trunkKind) = (featureLayer, inputSize, trunkKind)
        featureSize = trunk(Tensor(zeros: [1, inputChannels, inputSize, inputSize])).shape[3]
    }

    /// Anchors per cell (A).
    public var anchorsPerPosition: Int { head.anchorsPerPosition }

    /// The trunk's feature map of images `[N, C, S, S]`: `[N, 64, h, w]`.
    public func callAsFunction(_ input: Tensor) -> Tensor { trunk(input) }

    /// The trunk's training forward (the whole network's has two outputs: `forward(images:context:)`).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        trunk.forward(input, context: &context)
    }

    /// Inference on a feature map `[N, 64, h, w]`: objectness logits `[N, A, h, w]` and deltas `[N, 4A, h, w]`.
    public func heads(features: Tensor) -> (logits: Tensor, deltas: Tensor) {
        head.heads(features: features)
    }

    /// Training forward on images `[N, C, S, S]`: logits `[N, A, h, w]`, deltas `[N, 4A, h, w]`, and
    /// the pullback taking their gradients. The trunk's backward is skipped when every trunk
    /// parameter is frozen in the gradients it is given.
    public mutating func forward(images: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, deltas: Tensor, pullback: (_ dLogits: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Void) {
        let (features, trunkBack) = trunk.forward(images, context: &context)
        let (logits, deltas, headBack) = head.forward(features: features, context: &context)
        var trunkNames = [String]()
        trunk.visitParameters { name, _ in trunkNames.append(name) }
        return (logits, deltas, { dLogits, dDeltas, gradients in
            let trainsTrunk = trunkNames.contains { gradients.wants($0) }
            gradients.needsInputGradient = trainsTrunk
            let dFeatures = headBack(dLogits, dDeltas, &gradients)
            guard trainsTrunk else { return }
            gradients.needsInputGradient = false
            _ = trunkBack(dFeatures, &gradients)
        })
    }

    /// The trunk's layers, then the head's, then `rpn_cls_score` and `rpn_bbox_pred`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        trunk.visitChildren(body)
        head.visitChildren(body)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        trunk.updateChildren(body)
        head.updateChildren(body)
    }

    /// Starts the trunk from DeepConvNet or Fast R-CNN weights by parameter name (a gray conv1 is
    /// inflated to colour); the head keeps its initialisation. Returns the names loaded; throws
    /// `PretrainedMismatch` naming `source` for a trunk tensor of another shape.
    @discardableResult
    public mutating func loadPretrained(_ tensors: [String: Tensor], source: String) throws -> [String] {
        try DeepConvNetTransfer.load(tensors, into: &self, source: source) { $0.hasPrefix("rpn_") }
    }
}
