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

import GlimpseNN
import GlimpseTensor

/// The region proposal network: trunk, 3x3 convolution, objectness and box-delta outputs.
public struct RPNNetwork: Layer {
    /// DeepConvNet's layers up to `featureLayer`, `[N, C, S, S]` -> `[N, 64, h, w]`.
    public var trunk: Sequential
    /// The 3x3 convolution and its ReLU, `[N, 64, h, w]` -> `[N, hidden, h, w]`.
    public var head: Sequential
    /// Objectness logits, `[N, hidden, h, w]` -> `[N, A, h, w]`.
    public var objectness: Conv2D
    /// Box deltas, `[N, hidden, h, w]` -> `[N, 4A, h, w]`.
    public var boxDeltas: Conv2D
    /// The trunk layer the head reads.
    public let featureLayer: String
    /// The network input's side in pixels.
    public let inputSize: Int
    /// The trunk's feature-map side (h = w) on that input, measured.
    public let featureSize: Int

    /// A network with `anchorsPerPosition` anchors per cell on `inputChannels`-channel images of
    /// side `inputSize`, `hidden` channels in the 3x3 convolution, initialised from `seed`.
    public init(anchorsPerPosition: Int, inputSize: Int, inputChannels: Int = 3, hidden: Int = 64,
                featureLayer: String = "relu6", seed: UInt64) {
        precondition(anchorsPerPosition >= 1 && inputSize >= 32 && hidden >= 1,
                     "RPNNetwork: \(anchorsPerPosition) anchors, input \(inputSize), hidden \(hidden)")
        trunk = FastRCNNNetwork.makeTrunk(featureLayer: featureLayer, inputChannels: inputChannels, seed: seed)
        var random = SeededGenerator(seed: seed).derived(0x7270_6e)
        head = Sequential([
            ("rpn_conv", Conv2D(inChannels: 64, outChannels: hidden, kernelSize: 3, padding: 1,
                                initializer: .normal(standardDeviation: 0.01), random: &random)),
            ("rpn_relu", ReLU()),
        ])
        objectness = Conv2D(inChannels: hidden, outChannels: anchorsPerPosition, kernelSize: 1,
                            initializer: .normal(standardDeviation: 0.01), random: &random)
        boxDeltas = Conv2D(inChannels: hidden, outChannels: 4 * anchorsPerPosition, kernelSize: 1,
                           initializer: .normal(standardDeviation: 0.01), random: &random)
        (self.featureLayer, self.inputSize) = (featureLayer, inputSize)
        featureSize = trunk(Tensor(zeros: [1, inputChannels, inputSize, inputSize])).shape[3]
    }

    /// Anchors per cell (A).
    public var anchorsPerPosition: Int { objectness.outChannels }

    /// The trunk's feature map of images `[N, C, S, S]`: `[N, 64, h, w]`.
    public func callAsFunction(_ input: Tensor) -> Tensor { trunk(input) }

    /// The trunk's training forward (the whole network's has two outputs: `forward(images:context:)`).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        trunk.forward(input, context: &context)
    }

    /// Inference on a feature map `[N, 64, h, w]`: objectness logits `[N, A, h, w]` and deltas `[N, 4A, h, w]`.
    public func heads(features: Tensor) -> (logits: Tensor, deltas: Tensor) {
        let hidden = head(features)
        return (objectness(hidden), boxDeltas(hidden))
    }

    /// Training forward on images `[N, C, S, S]`: logits `[N, A, h, w]`, deltas `[N, 4A, h, w]`, and
    /// the pullback taking their gradients. The trunk's backward is skipped when every trunk
    /// parameter is frozen in the gradients it is given.
    public mutating func forward(images: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, deltas: Tensor, pullback: (_ dLogits: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Void) {
        let (features, trunkBack) = trunk.forward(images, context: &context)
        let (hidden, headBack) = head.forward(features, context: &context)
        let (logits, logitBack) = objectness.forward(hidden, context: &context)
        let (deltas, deltaBack) = boxDeltas.forward(hidden, context: &context)
        var trunkNames = [String]()
        trunk.visitParameters { name, _ in trunkNames.append(name) }
        return (logits, deltas, { dLogits, dDeltas, gradients in
            gradients.needsInputGradient = true
            var dHidden = gradients.scoped("rpn_cls_score") { logitBack(dLogits, &$0) }
            dHidden.add(gradients.scoped("rpn_bbox_pred") { deltaBack(dDeltas, &$0) })
            let trainsTrunk = trunkNames.contains { gradients.wants($0) }
            gradients.needsInputGradient = trainsTrunk
            let dFeatures = headBack(dHidden, &gradients)
            guard trainsTrunk else { return }
            gradients.needsInputGradient = false
            _ = trunkBack(dFeatures, &gradients)
        })
    }

    /// The trunk's layers, then the head's, then `rpn_cls_score` and `rpn_bbox_pred`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        trunk.visitChildren(body)
        head.visitChildren(body)
        body("rpn_cls_score", objectness)
        body("rpn_bbox_pred", boxDeltas)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        trunk.updateChildren(body)
        head.updateChildren(body)
        Self.updateChild("rpn_cls_score", &objectness, body)
        Self.updateChild("rpn_bbox_pred", &boxDeltas, body)
    }

    /// Starts the trunk from DeepConvNet or Fast R-CNN weights by parameter name (a gray conv1 is
    /// inflated to colour); the head keeps its initialisation. Returns the names loaded; throws
    /// `PretrainedMismatch` naming `source` for a trunk tensor of another shape.
    @discardableResult
    public mutating func loadPretrained(_ tensors: [String: Tensor], source: String) throws -> [String] {
        try DeepConvNetTransfer.load(tensors, into: &self, source: source) { $0.hasPrefix("rpn_") }
    }
}
