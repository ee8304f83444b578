// FasterRCNNNetwork: Faster R-CNN (Ren et al. 2015) on the seed text's DeepConvNet: one trunk,
// two heads on its feature map.
//
//   image [N, 3, S, S] -> trunk (DeepConvNet conv1..relu6) -> features [N, 64, h, w]
//     -> RPN head (RPNHead): objectness [N, A, h, w], anchor deltas [N, 4A, h, w]
//          -> proposals (RPNProposalSettings: decode, clip, NMS, top N) -> RoIs [R, 5]
//     -> RoI max pool 4x4, fc1, cls_score [R, slots], bbox_pred [R, 4 * slots] (FastRCNNNetwork)
//
// The detection part is a `FastRCNNNetwork` (its trunk is the shared one) and the proposal part
// an `RPNHead`, so the parameter names are exactly those of a `fast-rcnn` and an `rpn` weights
// file together (conv1..conv6, fc1, cls_score, bbox_pred, rpn_conv, rpn_cls_score,
// rpn_bbox_pred): either file starts its half by name.

import GlimpseNN
import GlimpseTensor

/// The Faster R-CNN network: a shared trunk, the region proposal head and the Fast R-CNN head.
public struct FasterRCNNNetwork: Layer {
    /// The trunk and the detection head (RoI pooling, fc1, `cls_score`, `bbox_pred`).
    public var detector: FastRCNNNetwork
    /// The region proposal head on the same feature map.
    public var proposer: RPNHead
    /// The feature map's side on the network input (h = w), measured.
    public let featureSize: Int

    /// A network for `slots` classes (background included) on `inputChannels`-channel images of
    /// side `inputSize`: fc1 of `hidden` units, RoIs from `featureLayer`, `anchorsPerPosition`
    /// anchors per cell and `proposerHidden` channels in the RPN's 3x3 convolution, initialised from `seed`.
    public init(slots: Int, inputSize: Int, inputChannels: Int = 3, hidden: Int = 256, featureLayer: String = "relu6",
                anchorsPerPosition: Int, proposerHidden: Int = 64, seed: UInt64) {
        detector = FastRCNNNetwork(slots: slots, inputSize: inputSize, inputChannels: inputChannels, hidden: hidden, dropout: 0,
                                   featureLayer: featureLayer, seed: seed)
        var random = SeededGenerator(seed: seed).derived(0x7270_6e)
        proposer = RPNHead(hidden: proposerHidden, anchorsPerPosition: anchorsPerPosition, random: &random)
        featureSize = detector(Tensor(zeros: [1, inputChannels, inputSize, inputSize])).shape[3]
    }

    /// The shared trunk, `[N, C, S, S]` -> `[N, 64, h, w]`.
    public var trunk: Sequential { detector.trunk }
    /// The network input's side in pixels.
    public var inputSize: Int { detector.inputSize }
    /// The trunk layer both heads read.
    public var featureLayer: String { detector.featureLayer }
    /// Class slots (background included).
    public var slots: Int { detector.slots }
    /// Anchors per cell (A).
    public var anchorsPerPosition: Int { proposer.anchorsPerPosition }

    /// The trunk's feature map of images `[N, C, S, S]`: `[N, 64, h, w]`.
    public func callAsFunction(_ input: Tensor) -> Tensor { detector(input) }

    /// The trunk's training forward (the whole network's: `forward(images:context:rois:)`).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        detector.forward(input, context: &context)
    }

    /// Training forward of approximate joint training (py-faster-rcnn's end-to-end recipe): the
    /// trunk on images `[N, C, S, S]`, the RPN head's logits `[N, A, h, w]` and deltas
    /// `[N, 4A, h, w]`, then `rois` (`[R, 5]`, computed by the caller from those outputs and
    /// treated as constants: no gradient flows through the proposals' coordinates) through the
    /// detection head: scores `[R, slots]` and deltas `[R, 4 * slots]`. The pullback takes the
    /// four output gradients; the trunk receives the sum of both heads' and is skipped when every
    /// trunk parameter is frozen.
    public mutating func forward(images: Tensor, context: inout ForwardContext, rois: (_ logits: Tensor, _ deltas: Tensor) -> Tensor)
        -> (logits: Tensor, anchorDeltas: Tensor, scores: Tensor, deltas: Tensor,
            pullback: (_ dLogits: Tensor, _ dAnchorDeltas: Tensor, _ dScores: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Void) {
        let (features, trunkBack) = detector.trunk.forward(images, context: &context)
        let (logits, anchorDeltas, proposerBack) = proposer.forward(features: features, context: &context)
        let (scores, deltas, detectorBack) = detector.forwardHeads(features: features, rois: rois(logits, anchorDeltas), context: &context)
        let trunkNames = detector.trunkNames
        return (logits, anchorDeltas, scores, deltas, { dLogits, dAnchorDeltas, dScores, dDeltas, gradients in
            let trainsTrunk = trunkNames.contains { gradients.wants($0) }
            gradients.needsInputGradient = trainsTrunk
            var dFeatures = detectorBack(dScores, dDeltas, &gradients)
            gradients.needsInputGradient = trainsTrunk
            let dFromProposer = proposerBack(dLogits, dAnchorDeltas, &gradients)
            guard trainsTrunk else { return }
            dFeatures.add(dFromProposer)
            gradients.needsInputGradient = false
            _ = trunkBack(dFeatures, &gradients)
        })
    }

    /// The detector's children (trunk, head, `cls_score`, `bbox_pred`), then the RPN head's.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        detector.visitChildren(body)
        proposer.visitChildren(body)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        detector.updateChildren(body)
        proposer.updateChildren(body)
    }
}
