// NICCaptioner: the `nic` caption stage. The CNN is the one the weights file carries; when it is
// an unchanged copy of another file's (phase 1: the SqueezeNet of the `cnn` backbone, or a
// detector's trunk), its identity is that file's, so a pipeline with both runs it once. From the trunk's map the captioner
// pools the features and decodes with beam search; `captions(of:count:)` decodes many images in
// one batched beam search (all beams of all images in one LSTM step).

import Foundation
import GlimpseDetection
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// NIC as a pipeline caption decoder.
public struct NICCaptioner: CaptionDecoder, DomainChecked {
    /// `"nic"`.
    public static let conformanceName = "nic"

    /// The network (its weights rounded to half precision when `halfPrecision`).
    public let network: NICNetwork
    /// What the weights file says.
    public let description: CaptionerDescription
    /// The beam search settings.
    public let search: BeamSearch
    /// Whether weights and activations are rounded to Float16.
    public let halfPrecision: Bool
    /// The CNN as a pipeline backbone.
    public let trunk: DetectorTrunk

    /// Wraps a network and its description; `identity` names the CNN's weights.
    public init(network: NICNetwork, description: CaptionerDescription, beam: Int = 3, lengthNormalization: Float = 0,
                halfPrecision: Bool = false, identity: BackboneIdentity) {
        precondition(beam >= 1, "NICCaptioner: beam \(beam)")
        precondition(network.vocabulary == description.vocabulary.count,
                     "NICCaptioner: \(network.vocabulary) word scores for \(description.vocabulary.count) words")
        (self.network, self.description, self.halfPrecision) = (network, description, halfPrecision)
        search = BeamSearch(beamWidth: beam, maxLength: description.maxLength, lengthNormalization: lengthNormalization)
        trunk = DetectorTrunk(trunk: network.cnn, preprocessing: description.preprocessing, identity: identity)
    }

    /// Loads a weights file written by `glimpse train captioner`; throws `StageError` naming the
    /// file when it is unreadable, not NIC weights, or its tensors do not fit its vocabulary.
    public init(weights path: String, beam: Int = 3, lengthNormalization: Float = 0, halfPrecision: Bool = false) throws {
        guard beam >= 1 else { throw StageError(file: path, problem: "beam \(beam): at least 1") }
        let (network, description, digest) = try Self.loadWithDigest(weights: path)
        let identity = description.sharedBackbone ?? BackboneIdentity(architecture: "nic-" + description.cnnArchitecture, weightsDigest: digest,
                                                                     weightsFile: path)
        self.init(network: network, description: description, beam: beam, lengthNormalization: lengthNormalization,
                  halfPrecision: halfPrecision, identity: identity)
    }

    /// The network and description of a NIC weights file (throws `StageError` naming `path`).
    public static func load(weights path: String) throws -> (NICNetwork, CaptionerDescription) {
        let (network, description, _) = try loadWithDigest(weights: path)
        return (network, description)
    }

    static func loadWithDigest(weights path: String) throws -> (NICNetwork, CaptionerDescription, String) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw StageError(file: path, problem: "cannot read the captioner weights: \((error as NSError).localizedDescription)")
        }
        let file = try SafetensorsFile(data: data, source: path)
        let description = try CaptionerDescription(metadata: file.metadata, file: path)
        guard description.method == "nic" else { throw StageError(file: path, problem: "\(description.method) captioner, not nic") }
        let cellName = description.cell.rawValue
        guard let words = file["word_embedding.weight"], words.shape.count == 2, let scores = file["logits.weight"], scores.shape.count == 2,
              let image = file["image_embedding.weight"], image.shape.count == 2, let recurrent = file["\(cellName).weight_hh"],
              recurrent.shape.count == 2 else {
            throw StageError(file: path, problem: "no word_embedding, logits, image_embedding or \(cellName) tensors of NIC's shapes")
        }
        let vocabulary = description.vocabulary.count
        guard words.shape[0] == vocabulary, scores.shape[0] == vocabulary else {
            throw StageError(file: path, problem: "the vocabulary has \(vocabulary) tokens but word_embedding.weight has \(words.shape[0]) rows"
                             + " and logits.weight \(scores.shape[0]): the file's vocabulary does not belong to its tensors")
        }
        let preprocessing = description.preprocessing
        let trunk = try CaptionCNN.skeleton(architecture: description.cnnArchitecture, layer: description.cnnLayer,
                                            preprocessing: preprocessing, file: path)
        var network = NICNetwork(cnn: trunk, inputSize: preprocessing.inputSize, inputChannels: preprocessing.channels, grid: description.grid,
                                 vocabulary: vocabulary, embedding: words.shape[1], hidden: recurrent.shape[1], cell: description.cell,
                                 feeding: description.feeding, dropout: 0, seed: 0)
        network.featureScale = description.featureScale
        if let domain = description.domain, domain.dimension != network.cnn(Tensor(zeros: [1, preprocessing.channels, preprocessing.inputSize,
                                                                                          preprocessing.inputSize])).shape[1] {
            throw StageError(file: path, problem: "domain.mean has \(domain.dimension) values, not one per channel of the CNN's \(description.cnnLayer)")
        }
        guard network.featureSize == image.shape[1] else {
            throw StageError(file: path, problem: "image_embedding.weight reads \(image.shape[1]) features, the CNN pooled to"
                             + " \(description.grid)x\(description.grid) gives \(network.featureSize)")
        }
        do {
            try network.load(from: file)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        return (network, description, digest)
    }

    /// The CNN's last layer, through the pipeline's shared pass.
    public var backboneRequirement: BackboneRequirement? {
        BackboneRequirement(backbone: trunk, layers: [description.cnnLayer])
    }

    /// The decoder over this network.
    public var decoder: NICDecoder { NICDecoder(network: network, vocabulary: description.vocabulary, halfPrecision: halfPrecision) }

    /// The out-of-domain verdict of one image from its trunk features (nil without a summary).
    public func domainVerdict(_ input: StageInput) -> DomainVerdict? {
        guard let domain = description.domain, let maps = input.features else { return nil }
        return domain.verdict(GlobalAvgPool()(maps[description.cnnLayer]).scalars)
    }

    /// Up to `count` captions of one image from its trunk features, best first.
    public func captions(for input: StageInput, count: Int) throws -> [Caption] {
        guard let features = input.features else { preconditionFailure("NICCaptioner: no trunk features given") }
        return captions(features: network.features(ofMaps: features[description.cnnLayer]), count: count)[0]
    }

    /// Up to `count` captions of each of `images`, best first, in one batched beam search (the
    /// CNN runs `batch` images at a time). Out-of-domain images are decoded too: see `captionsOrVerdicts`.
    public func captions(of images: [Image], count: Int, batch: Int = 32) -> [[Caption]] {
        guard !images.isEmpty else { return [] }
        return captions(features: network.features(of: images, preprocessing: description.preprocessing, batch: batch), count: count)
    }

    /// For each of `images`, its captions, or none and the verdict when it is out of domain: only
    /// the images in domain go through the (batched) beam search.
    public func captionsOrVerdicts(of images: [Image], count: Int) -> [(captions: [Caption], verdict: DomainVerdict?)] {
        guard !images.isEmpty else { return [] }
        let (all, means) = network.featuresAndMeans(of: images, preprocessing: description.preprocessing)
        let (d, c) = (network.featureSize, means.shape[1])
        let verdicts = (0..<images.count).map { i in description.domain?.verdict(Array(means.scalars[(i * c)..<((i + 1) * c)])) }
        let kept = verdicts.indices.filter { verdicts[$0]?.outOfDomain != true }
        var out = verdicts.map { (captions: [Caption](), verdict: $0) }
        guard !kept.isEmpty else { return out }
        let rows = Tensor(shape: [kept.count, d]) { k in all.scalars[kept[k / d] * d + k % d] }
        for (k, found) in zip(kept, captions(features: rows, count: count)) { out[k].captions = found }
        return out
    }

    /// Up to `count` captions per row of pooled features `[N, D]`.
    public func captions(features: Tensor, count: Int) -> [[Caption]] {
        let vocabulary = description.vocabulary
        return search.decode(decoder, features: features, count: min(count, search.beamWidth)).map { found in
            found.map { Caption(text: vocabulary.text(of: $0.tokens), logProbability: $0.logProbability) }
        }
    }
}

extension NICCaptioner {
    /// The registry entry: `weights`, `beam`, `length_normalization`, `half_precision`.
    public static let registryEntry = Conformance(
        kind: .captioner, name: conformanceName,
        summary: "NIC (Show and Tell): pooled CNN features as the LSTM's first input, beam search",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/nic-every-step-scenes.safetensors"),
                          help: "weights written by glimpse train captioner"),
            ParameterSpec("beam", .int, default: .int(3), help: "beam width (1: greedy)"),
            ParameterSpec("length_normalization", .float, default: .float(0),
                          help: "rank finished captions by logP / length^alpha (0: by logP, im2txt's default)"),
            ParameterSpec("half_precision", .bool, default: .bool(false), help: "round weights and activations to Float16"),
        ]
    ) { parameters, context in
        .captioner(try NICCaptioner(weights: parameters.string("weights", default: ""), beam: parameters.int("beam", default: 3),
                                    lengthNormalization: Float(parameters.float("length_normalization", default: 0)),
                                    halfPrecision: parameters.bool("half_precision", default: false)))
    }
}
