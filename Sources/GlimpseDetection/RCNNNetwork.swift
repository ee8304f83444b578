// RCNNNetwork: R-CNN's region CNN (Girshick et al. 2014, section 2.1) on the seed text's
// DeepConvNet. Every region proposal is warped on its own to the network's square input and
// run through the whole network; nothing is shared between regions (that is what Fast R-CNN
// changed).
//
//   warped region [N, 3, 28, 28] -> conv1..pool3 -> [N, 64, 4, 4] (pool3: the box regressor's features)
//   -> flatten, fc1 (1024 -> 50), relu7 (the SVMs' features, the paper's fc7 analogue), dropout1
//   -> cls_score [N, categories + 1] (fine-tuning softmax; slot 0 background)
//
// The warp: R-CNN warps to 227 px with p = 16 px of context (appendix A). DeepConvNet's input
// is 28 px (its fc1 reads pool3's 4 x 4 cells), so the same share of context is 16 / 227 x 28
// = 1.97, i.e. 2 px: `RegionWarp(outputSize: 28, contextPadding: 2)`. The input is RGB scaled
// by 1/255 (DeepConvNet's MNIST scaling, in colour); conv1 is inflated from the gray MNIST
// weights (DeepConvNet.colorFirstLayer). fc2 (10 digits) is replaced by `cls_score`, as the
// paper replaces the 1000-way ImageNet layer by a (N + 1)-way one. Parameter names are
// DeepConvNet's, so its weights file loads by name.

import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseTensor

/// The R-CNN region network: DeepConvNet in colour with a (categories + 1)-way head.
public struct RCNNNetwork: Layer {
    /// conv1 ... pool3, flatten, fc1, relu7, dropout1, cls_score: `[N, 3, 28, 28]` -> `[N, slots]`.
    public var layers: Sequential

    /// The side of a warped region (DeepConvNet's input).
    public static let inputSize = 28
    /// R-CNN's context-padded warp scaled to 28 px: 2 px of context (16 of 227 in the paper).
    public static let warp = RegionWarp(outputSize: inputSize, contextPadding: 2)
    /// The layer whose output the box regressors read (`[N, 64, 4, 4]`, 1024 values).
    public static let regressionLayer = "pool3"
    /// The layer whose output the SVMs read (`[N, hidden]`, after the ReLU).
    public static let svmLayer = "relu7"
    /// pool3's values per region.
    public static let regressionFeatures = 64 * 4 * 4

    /// A network with `slots` outputs (background included) and `hidden` fc1 units, He-initialised
    /// from `seed` (cls_score normal(0, 0.01), as the paper's new layer).
    public init(slots: Int, hidden: Int = 50, seed: UInt64) {
        precondition(slots >= 2 && hidden >= 1, "RCNNNetwork: slots \(slots), hidden \(hidden)")
        let full = DeepConvNet.make(classes: 10, seed: seed, inputChannels: 3)
        var kept = full.layers.prefix { $0.name != "fc1" }.map { ($0.name, $0.layer) }
        var random = SeededGenerator(seed: seed).derived(0x7263_6e6e)
        kept += [("fc1", Linear(inFeatures: Self.regressionFeatures, outFeatures: hidden, random: &random)), ("relu7", ReLU()),
                 ("dropout1", Dropout(probability: 0.5)),
                 ("cls_score", Linear(inFeatures: hidden, outFeatures: slots, initializer: .normal(standardDeviation: 0.01),
                                      random: &random))]
        layers = Sequential(kept)
    }

    /// Class slots (background included).
    public var slots: Int { (layers["cls_score"] as! Linear).weight.shape[0] }
    /// fc1's width (the SVMs' feature size).
    public var hidden: Int { (layers["fc1"] as! Linear).weight.shape[0] }

    /// Logits `[N, slots]` of warped regions `[N, 3, 28, 28]` (dropout off).
    public func callAsFunction(_ input: Tensor) -> Tensor { layers(input) }

    /// Training forward (dropout from `context`): logits `[N, slots]` and the pullback.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        layers.forward(input, context: &context)
    }

    /// The layers of `layers`, under their own names (`conv1.weight`, ..., `cls_score.bias`).
    public func visitChildren(_ body: (String, any Layer) -> Void) { layers.visitChildren(body) }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) { layers.updateChildren(body) }

    /// What one inference pass gives for warped regions `[N, 3, 28, 28]`.
    public struct RegionOutputs {
        /// pool3 flattened, `[N, 1024]`.
        public var pool3: Tensor
        /// fc1 after the ReLU, `[N, hidden]`.
        public var fc1: Tensor
        /// The fine-tuning softmax, `[N, slots]`.
        public var probabilities: Tensor
    }

    /// pool3, relu7 and the softmax of warped regions `[N, 3, 28, 28]` in one pass.
    public func outputs(_ input: Tensor) -> RegionOutputs {
        let out = layers(input, outputs: [Self.regressionLayer, Self.svmLayer, "cls_score"])
        let n = input.shape[0]
        return RegionOutputs(pool3: out[Self.regressionLayer]!.reshaped([n, Self.regressionFeatures]), fc1: out[Self.svmLayer]!,
                             probabilities: SoftmaxCrossEntropy.softmax(out["cls_score"]!))
    }

    /// The network input of `boxes` in `image`: each box warped with context (`warp`) and
    /// normalised by `preprocessing` (input side 28), stacked `[boxes.count, C, 28, 28]`.
    /// Warps run on the compute threads; the result does not depend on their number.
    public static func regions(_ image: Image, boxes: [BoundingBox], preprocessing: ImagePreprocessing) -> Tensor {
        precondition(preprocessing.inputSize == inputSize, "RCNNNetwork.regions: preprocessing input \(preprocessing.inputSize), not \(inputSize)")
        let plane = preprocessing.channels * inputSize * inputSize
        return Tensor(uninitializedShape: [boxes.count, preprocessing.channels, inputSize, inputSize]) { out in
            let base = out
            Compute.parallelChunks(boxes.count) { _, range in
                for i in range {
                    warp.tensor(image, box: boxes[i], preprocessing: preprocessing).withUnsafeBufferPointer { values in
                        for k in 0..<plane { base[i * plane + k] = values[k] }
                    }
                }
            }
        }
    }

    /// `outputs` of every box of `image`, warped and run `batch` regions per forward pass.
    public func outputs(_ image: Image, boxes: [BoundingBox], preprocessing: ImagePreprocessing, batch: Int = 256) -> RegionOutputs {
        precondition(batch >= 1, "RCNNNetwork.outputs: batch \(batch)")
        var pool3 = [Float](), fc1 = [Float](), probabilities = [Float]()
        for start in stride(from: 0, to: boxes.count, by: batch) {
            let part = outputs(Self.regions(image, boxes: Array(boxes[start..<min(start + batch, boxes.count)]), preprocessing: preprocessing))
            pool3 += part.pool3.scalars
            fc1 += part.fc1.scalars
            probabilities += part.probabilities.scalars
        }
        let n = boxes.count
        return RegionOutputs(pool3: Tensor(shape: [n, Self.regressionFeatures], scalars: pool3), fc1: Tensor(shape: [n, hidden], scalars: fc1),
                             probabilities: Tensor(shape: [n, slots], scalars: probabilities))
    }

    /// Starts conv1..fc1 from DeepConvNet weights (by name; a gray conv1 `[16, 1, 3, 3]` is
    /// inflated to colour; fc1 only when its width matches; fc2 is never read). Returns the
    /// names loaded; throws naming `source` for a tensor of another shape.
    @discardableResult
    public mutating func loadPretrained(_ tensors: [String: Tensor], source: String) throws -> [String] {
        try DeepConvNetTransfer.load(tensors, into: &self, source: source) { $0.hasPrefix("cls_score.") }
    }
}
