// FastRCNNNetwork: Fast R-CNN (Girshick 2015) on the seed text's DeepConvNet.
//
//   image [N, 3, S, S] -> trunk (DeepConvNet conv1..relu6 or ..pool3) -> feature map [N, 64, h, w]
//   (relu6: stride 4, h = (S/2 + 2)/2; pool3: stride 8, half that, rounded down)
//   RoIs [R, 5] ------------------------------------------> RoI max pool 4x4 -> [R, 64, 4, 4]
//   -> flatten, fc1 (1024 -> hidden), ReLU, dropout -> cls_score [R, slots] (softmax; slot 0 background)
//                                                   -> bbox_pred [R, 4 * slots] (class-specific deltas)
//
// The RoI pooling grid is 4x4 because DeepConvNet's fc1 reads pool3's 64 x 4 x 4 output on a
// 28 px digit: as in the paper, where VGG16's pool5 is replaced by a RoI pool whose 7x7 output
// fits fc6, the pretrained fc1 then reads every RoI (section 2.2). The trunk's first layer takes
// colour, inflated from the gray MNIST weights (DeepConvNet.colorFirstLayer). The spatial
// scale is measured, not the paper's 1/16: 49 cells on a 192 px input from relu6, 16 on a
// 128 px input from pool3.
//
// Parameter names are DeepConvNet's for the trunk and fc1 (so its weights file loads by name)
// and py-faster-rcnn's `cls_score` and `bbox_pred` for the two outputs.

import GlimpseModels
import GlimpseNN
import GlimpseTensor

/// The Fast R-CNN network: trunk, RoI pooling, head and the two sibling outputs.
public struct FastRCNNNetwork: Layer {
    /// DeepConvNet's convolutions and pools up to `featureLayer`, `[N, C, S, S]` -> `[N, 64, h, w]`.
    public var trunk: Sequential
    /// flatten, fc1, relu7, dropout1: `[R, 64, 4, 4]` -> `[R, hidden]`.
    public var head: Sequential
    /// Class scores `[R, slots]` (`cls_score`).
    public var classifier: Linear
    /// Class-specific normalised box deltas `[R, 4 * slots]` (`bbox_pred`).
    public var boxRegressor: Linear
    /// The RoI pooling on the trunk's map.
    public let roiPool: RoIMaxPool
    /// The network input's side in pixels.
    public let inputSize: Int

    /// The layer names of the trunk (DeepConvNet's, up to `pool3`).
    public static let trunkLayers = ["conv1", "relu1", "conv2", "relu2", "pool1", "conv3", "relu3", "conv4", "relu4",
                                     "pool2", "conv5", "relu5", "conv6", "relu6", "pool3"]
    /// The trunk layers RoIs can be pooled from: `pool3` (stride 8, DeepConvNet's fc1 input) or
    /// `relu6` (the same conv6 features before the last pooling: stride 4, a finer grid for
    /// small objects at the same cost).
    public static let featureLayers = ["pool3", "relu6"]
    /// The trunk layer whose output RoIs are pooled from (the trunk ends there).
    public let featureLayer: String
    /// The RoI grid: DeepConvNet's pool3 output on a 28 px digit.
    public static let poolSize = 4

    /// A network for `slots` classes (background included) on `inputChannels`-channel images of
    /// side `inputSize`, with `hidden` units in fc1, initialised from `seed` (the outputs as in
    /// py-faster-rcnn: normal(0, 0.01) for scores, normal(0, 0.001) for deltas).
    /// `dropout` is the probability of dropout1 (DeepConvNet's 0.5); `featureLayer` one of `featureLayers`.
    public init(slots: Int, inputSize: Int, inputChannels: Int = 3, hidden: Int = 50, dropout: Float = 0.5,
                featureLayer: String = "pool3", seed: UInt64) {
        precondition(slots >= 2 && inputSize >= 32 && hidden >= 1, "FastRCNNNetwork: slots \(slots), input \(inputSize), hidden \(hidden)")
        precondition(Self.featureLayers.contains(featureLayer), "FastRCNNNetwork: feature layer \(featureLayer)")
        trunk = Self.makeTrunk(featureLayer: featureLayer, inputChannels: inputChannels, seed: seed)
        self.featureLayer = featureLayer
        var random = SeededGenerator(seed: seed).derived(0x6672_636e)
        let features = 64 * Self.poolSize * Self.poolSize
        head = Sequential([
            ("flatten", Flatten()),
            ("fc1", Linear(inFeatures: features, outFeatures: hidden, random: &random)), ("relu7", ReLU()),
            ("dropout1", Dropout(probability: dropout)),
        ])
        classifier = Linear(inFeatures: hidden, outFeatures: slots, initializer: .normal(standardDeviation: 0.01), random: &random)
        boxRegressor = Linear(inFeatures: hidden, outFeatures: 4 * slots, initializer: .normal(standardDeviation: 0.001), random: &random)
        self.inputSize = inputSize
        let side = trunk(Tensor(zeros: [1, inputChannels, inputSize, inputSize])).shape[3]
        roiPool = RoIMaxPool(outputHeight: Self.poolSize, outputWidth: Self.poolSize, spatialScale: Float(side) / Float(inputSize))
    }

    /// DeepConvNet's layers from `conv1` through `featureLayer` (one of `featureLayers`), freshly
    /// initialised from `seed`, on `inputChannels`-channel images: `[N, C, S, S]` -> `[N, 64, h, w]`.
    /// The trunk of Fast R-CNN and of the region proposal network.
    public static func makeTrunk(featureLayer: String, inputChannels: Int, seed: UInt64) -> Sequential {
        precondition(featureLayers.contains(featureLayer), "FastRCNNNetwork: feature layer \(featureLayer)")
        let full = DeepConvNet.make(classes: 10, seed: seed, inputChannels: inputChannels)
        let kept = trunkLayers.prefix(through: trunkLayers.firstIndex(of: featureLayer)!)
        return Sequential(full.layers.filter { kept.contains($0.name) }.map { ($0.name, $0.layer) })
    }

    /// Class slots (background included).
    public var slots: Int { classifier.weight.shape[0] }

    /// The trunk's feature map of images `[N, C, S, S]`: `[N, 64, h, w]` (see `featureLayer`).
    public func callAsFunction(_ input: Tensor) -> Tensor { trunk(input) }

    /// The trunk's training forward (the whole network's needs RoIs: `forward(images:rois:context:)`).
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        trunk.forward(input, context: &context)
    }

    /// Inference on a feature map `[N, 64, h, w]` and RoIs `[R, 5]` (batch index, x1, y1, x2, y2
    /// in input pixels, x2/y2 the last pixel inside): class probabilities `[R, slots]` and deltas `[R, 4 * slots]`.
    public func heads(features: Tensor, rois: Tensor) -> (probabilities: Tensor, deltas: Tensor) {
        let hidden = head(roiPool(features, rois: rois))
        return (SoftmaxCrossEntropy.softmax(classifier(hidden)), boxRegressor(hidden))
    }

    /// Training forward of the whole network on images `[N, C, S, S]` and RoIs `[R, 5]`: scores
    /// `[R, slots]`, deltas `[R, 4 * slots]`, and the pullback taking their gradients. The trunk's
    /// backward is skipped when every trunk parameter is frozen in the gradients it is given.
    public mutating func forward(images: Tensor, rois: Tensor, context: inout ForwardContext)
        -> (scores: Tensor, deltas: Tensor, pullback: (_ dScores: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Void) {
        let (features, trunkBack) = trunk.forward(images, context: &context)
        let (scores, deltas, headsBack) = forwardHeads(features: features, rois: rois, context: &context)
        let trunkNames = self.trunkNames
        return (scores, deltas, { dScores, dDeltas, gradients in
            let trainsTrunk = trunkNames.contains { gradients.wants($0) }
            gradients.needsInputGradient = trainsTrunk
            let dFeatures = headsBack(dScores, dDeltas, &gradients)
            guard trainsTrunk else { return }
            gradients.needsInputGradient = false
            _ = trunkBack(dFeatures, &gradients)
        })
    }

    /// The trunk's parameter names.
    public var trunkNames: [String] {
        var names = [String]()
        trunk.visitParameters { name, _ in names.append(name) }
        return names
    }

    /// Training forward of everything after the trunk on a feature map `[N, 64, h, w]` and RoIs
    /// `[R, 5]`: scores `[R, slots]`, deltas `[R, 4 * slots]`, and the pullback taking their
    /// gradients to the feature map's `[N, 64, h, w]` (computed only when
    /// `gradients.needsInputGradient` is set when it is called; Faster R-CNN adds the RPN's).
    public mutating func forwardHeads(features: Tensor, rois: Tensor, context: inout ForwardContext)
        -> (scores: Tensor, deltas: Tensor, pullback: (_ dScores: Tensor, _ dDeltas: Tensor, _ gradients: inout Gradients) -> Tensor) {
        let (pooled, poolBack) = roiPool.forward(features, rois: rois)
        let featureShape = features.shape
        let (hidden, headBack) = head.forward(pooled, context: &context)
        let (scores, scoreBack) = classifier.forward(hidden, context: &context)
        let (deltas, deltaBack) = boxRegressor.forward(hidden, context: &context)
        return (scores, deltas, { dScores, dDeltas, gradients in
            let wantsFeatures = gradients.needsInputGradient
            gradients.needsInputGradient = true
            var dHidden = gradients.scoped("cls_score") { scoreBack(dScores, &$0) }
            dHidden.add(gradients.scoped("bbox_pred") { deltaBack(dDeltas, &$0) })
            gradients.needsInputGradient = wantsFeatures
            let dPooled = headBack(dHidden, &gradients)
            guard wantsFeatures else { return Tensor(zeros: featureShape) }
            return poolBack(dPooled, &gradients)
        })
    }

    /// The trunk's layers, then the head's, then `cls_score` and `bbox_pred`.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        trunk.visitChildren(body)
        head.visitChildren(body)
        body("cls_score", classifier)
        body("bbox_pred", boxRegressor)
    }

    /// The children mutably, in `visitChildren`'s order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        trunk.updateChildren(body)
        head.updateChildren(body)
        Self.updateChild("cls_score", &classifier, body)
        Self.updateChild("bbox_pred", &boxRegressor, body)
    }

    /// Starts the trunk and fc1 from DeepConvNet weights (`[N, 1, 28, 28]` MNIST weights, by
    /// parameter name): a gray `conv1` is inflated to colour when this network takes colour, and
    /// fc1 is taken only when its width matches. `classRows` maps class slots to rows of the
    /// pretrained classifier `fc2` that score the same class (a detector of digits starts its
    /// `cls_score` from the MNIST classifier's digit rows); the other slots, background
    /// included, keep their initialisation. Returns the names loaded.
    @discardableResult
    public mutating func loadPretrained(_ tensors: [String: Tensor], source: String, classRows: [Int: Int] = [:]) throws -> [String] {
        var loaded = try DeepConvNetTransfer.load(tensors, into: &self, source: source)
        if !classRows.isEmpty, let weight = tensors["fc2.weight"], let bias = tensors["fc2.bias"],
           weight.shape == [bias.count, classifier.weight.shape[1]] {
            let (w, b) = (weight.scalars, bias.scalars)
            let (width, slots) = (weight.shape[1], self.slots)
            classifier.weight.withUnsafeMutableBufferPointer { out in
                for (slot, row) in classRows where row < bias.count && slot < slots {
                    for j in 0..<width { out[slot * width + j] = w[row * width + j] }
                }
            }
            classifier.bias!.withUnsafeMutableBufferPointer { out in
                for (slot, row) in classRows where row < bias.count && slot < slots { out[slot] = b[row] }
            }
            loaded += ["cls_score.weight", "cls_score.bias"]
        }
        return loaded
    }

    /// The class names of a pretrained classifier file: its `classes` metadata (one per line, as
    /// `glimpse finetune` writes), or the digits 0-9 for DeepConvNet trained on MNIST's digits
    /// (`data` ending in `mnist`, as `glimpse train mnist` writes); empty when unknown.
    public static func pretrainedClassNames(metadata: [String: String]) -> [String] {
        if let classes = metadata["classes"] { return classes.split(separator: "\n").map(String.init) }
        if let data = metadata["data"], data.split(separator: "/").last == "mnist" { return (0...9).map(String.init) }
        return []
    }
}
