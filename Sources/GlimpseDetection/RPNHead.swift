// RPNHead: the region proposal network's head (Ren et al. 2015, section 3.1): a 3x3 convolution
// with its ReLU on the trunk's feature map, then two sibling 1x1 convolutions, one objectness
// logit per anchor and four box deltas per anchor.
//
//   features [N, 64, h, w] -> rpn_conv 3x3 (pad 1), ReLU -> [N, hidden, h, w]
//     -> rpn_cls_score 1x1 -> objectness logits [N, A, h, w]
//     -> rpn_bbox_pred 1x1 -> box deltas [N, 4A, h, w] (dx, dy, dw, dh of anchor a in 4a..4a+3)
//
// One head serves both the `rpn` proposer (RPNNetwork: its own trunk) and Faster R-CNN
// (FasterRCNNNetwork: the trunk shared with the detection head). Parameter names are
// py-faster-rcnn's; the outputs start as its do: normal(0, 0.01) weights, zero biases.

import GlimpseNN
import GlimpseTensor

/// The region proposal network's head: 3x3 convolution, objectness and box-delta outputs.
public struct RPNHead: Layer {
    /// The 3x3 convolution and its ReLU, `[N, 64, h, w]` -> `[N, hidden, h, w]`.
    public var head: Sequential
    /// Objectness logits, `[N, hidden, h, w]` -> `[N, A, h, w]`.
    public var objectness: Conv2D
    /// Box deltas, `[N, hidden, h, w]` -> `[N, 4A, h, w]`.
    public var boxDeltas: Conv2D

    /// A head reading `inChannels` feature channels, with `hidden` channels in the 3x3 convolution
    /// and `anchorsPerPosition` anchors per cell, initialised from `random`.
    public init(inChannels: Int = 64, hidden: Int, anchorsPerPosition: Int, random: inout SeededGenerator) {
        precondition(inChannels >= 1 && hidden >= 1 && anchorsPerPosition >= 1,
                     "RPNHead: \(inChannels) channels in, hidden \(hidden), \(anchorsPerPosition) anchors")
        head = Sequential([
            ("rpn_conv", Conv2D(inChannels: inChannels, outChannels: hidden, kernelSize: 3, padding: 1,
                                initializer: .normal(standardDeviation: 0.01), random: &random)),
            ("rpn_relu", ReLU()),
        ])
        objectness = Conv2D(inChannels: hidden, outChannels: anchorsPerPosition, kernelSize: 1,
                            initializer: .normal(standardDeviation: 0.01), random: &random)
        boxDeltas = Conv2D(inChannels: hidden, outChannels: 4 * anchorsPerPosition, kernelSize: 1,
                           initializer: .normal(standardDeviation: 0.01), random: &random)
    }

    /// Anchors per cell (A).
    public var anchorsPerPosition: Int { objectness.outChannels }

    /// The objectness logits of a feature map `[N, 64, h, w]`: `[N, A, h, w]` (`heads` gives both outputs).
    public func callAsFunction(_ input: Tensor) -> Tensor { objectness(head(input)) }

    /// The logits' training forward (the head's two outputs: `forward(features:context:)`).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (hidden, headBack) = head.forward(input, context: &context)
        let (logits, logitBack) = objectness.forward(hidden, context: &context)
        return (logits, { dLogits, gradients in
            let dHidden = gradients.scoped("rpn_cls_score") { logitBack(dLogits, &$0) }
            return headBack(dHidden, &gradients)
        })
    }

    /// Inference on a feature map `[N, 64, h, w]`: objectness logits `[N, A, h, w]` and deltas `[N, 4A, h, w]`.
    public func heads(features: Tensor) -> (logits: Tensor, deltas: Tensor) {
        let hidden = head(features)
        return (objectness(hidden), boxDeltas(hidden))
    }

    /// Training forward on a feature map `[N, 64, h, w]`: logits `[N, A, h, w]`, deltas
    /// `[N, 4A, h, w]`, and the pullback taking their gradients to the feature map's `[N, 64, h, w]`
    /// (computed only when `gradients.needsInputGradient` is set when it is called).
    public mutating func forward(features: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, deltas: Tensor, pullback: (_ dLogits: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Tensor) {
        let (hidden, headBack) = head.forward(features, context: &context)
        let (logits, logitBack) = objectness.forward(hidden, context: &context)
        let (deltas, deltaBack) = boxDeltas.forward(hidden, context: &context)
        return (logits, deltas, { dLogits, dDeltas, gradients in
            let wantsFeatures = gradients.needsInputGradient
            gradients.needsInputGradient = true
            var dHidden = gradients.scoped("rpn_cls_score") { logitBack(dLogits, &$0) }
            dHidden.add(gradients.scoped("rpn_bbox_pred") { deltaBack(dDeltas, &$0) })
            gradients.needsInputGradient = wantsFeatures
            return headBack(dHidden, &gradients)
        })
    }

    /// `rpn_conv`, `rpn_relu`, `rpn_cls_score`, `rpn_bbox_pred`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        head.visitChildren(body)
        body("rpn_cls_score", objectness)
        body("rpn_bbox_pred", boxDeltas)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        head.updateChildren(body)
        Self.updateChild("rpn_cls_score", &objectness, body)
        Self.updateChild("rpn_bbox_pred", &boxDeltas, body)
    }
}
