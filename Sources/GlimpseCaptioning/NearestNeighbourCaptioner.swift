// NearestNeighbourCaptioner: the `nearest-neighbour` caption stage, the retrieval baseline
// (Devlin et al. 2015 showed it close to NIC on COCO's metrics). It keeps the pooled CNN
// features of every training image (the same trunk and pooling as NIC) and one caption per
// image; a new image gets the caption of the training image whose features are nearest by
// cosine similarity. The caption kept per training image is its consensus reference: the one
// with the highest CIDEr-D against the image's other references (document frequencies over
// the whole training set), so the baseline does not depend on which annotator came first.
//
// Its file holds `cnn.*` (the trunk), `features` `[N, D]` (each row scaled to unit length) and
// the captions as `captioner.captions` (a JSON list) with the CaptionerDescription keys. The
// captions it returns carry log-probability 0: retrieval has no probability.

import Foundation
import GlimpseDetection
import GlimpseEvaluation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// The retrieval baseline as a pipeline caption decoder.
public struct NearestNeighbourCaptioner: CaptionDecoder, DomainChecked {
    /// `"nearest-neighbour"`.
    public static let conformanceName = "nearest-neighbour"

    /// The CNN trunk.
    public let cnn: Sequential
    /// Its map max-pooled to the description's grid.
    public let pool: AdaptiveMaxPool2D
    /// The training images' unit-length features, `[N, D]`.
    public let features: Tensor
    /// The caption of each training image.
    public let captions: [String]
    /// What the file says.
    public let description: CaptionerDescription
    /// The CNN as a pipeline backbone.
    public let trunk: DetectorTrunk

    /// Wraps an index; `identity` names the CNN's weights.
    public init(cnn: Sequential, features: Tensor, captions: [String], description: CaptionerDescription, identity: BackboneIdentity) {
        precondition(features.rank == 2 && features.shape[0] == captions.count && !captions.isEmpty,
                     "NearestNeighbourCaptioner: features \(features.shape) for \(captions.count) captions")
        (self.cnn, self.features, self.captions, self.description) = (cnn, features, captions, description)
        pool = AdaptiveMaxPool2D(outputSize: description.grid)
        trunk = DetectorTrunk(trunk: cnn, preprocessing: description.preprocessing, identity: identity)
    }

    /// Builds the index of `set` with `network`'s CNN (its pooling), `vocabulary` and `preprocessing`.
    public static func build(set: CaptionSet, network: NICNetwork, description: CaptionerDescription) -> NearestNeighbourCaptioner {
        let (raw, means) = network.featuresAndMeans(of: set.examples.map(\.image), preprocessing: description.preprocessing)
        var description = description
        description.domain = CaptionTraining.domain(of: means)
        return NearestNeighbourCaptioner(cnn: network.cnn, features: normalized(raw), captions: consensus(set.examples.map(\.captions)),
                                         description: description, identity: description.sharedBackbone
                                            ?? BackboneIdentity(architecture: "nn-" + description.cnnArchitecture, weightsDigest: "unsaved", weightsFile: "(memory)"))
    }

    /// The consensus reference of each image: the highest CIDEr-D against its other references
    /// (the first on ties; an image with one reference keeps it).
    public static func consensus(_ references: [[String]]) -> [String] {
        let most = references.map(\.count).max() ?? 0
        var best = references.map { (caption: $0.first ?? "", score: -Double.infinity) }
        guard most >= 2 else { return best.map(\.caption) }
        for j in 0..<most {
            let rows = references.indices.filter { references[$0].count >= 2 && j < references[$0].count }
            guard !rows.isEmpty else { continue }
            let scores = CaptionEvaluation.evaluate(candidates: rows.map { references[$0][j] },
                                                    references: rows.map { i in references[i].enumerated().filter { $0.offset != j }.map(\.element) })
            for (k, i) in rows.enumerated() where scores.images[k].ciderD > best[i].score {
                best[i] = (references[i][j], scores.images[k].ciderD)
            }
        }
        return best.map(\.caption)
    }

    /// Rows of `matrix` `[N, D]` scaled to unit length (a zero row stays zero).
    static func normalized(_ matrix: Tensor) -> Tensor {
        let d = matrix.shape[1]
        var out = matrix
        out.withUnsafeMutableBufferPointer { p in
            for row in 0..<matrix.shape[0] {
                var sum: Float = 0
                for j in 0..<d { sum += p[row * d + j] * p[row * d + j] }
                let scale = sum > 0 ? 1 / sum.squareRoot() : 0
                for j in 0..<d { p[row * d + j] *= scale }
            }
        }
        return out
    }

    /// Writes the index atomically to `url` with the description and `extra` metadata.
    public func save(to url: URL, extra: [String: String] = [:]) throws {
        var tensors = [(name: String, tensor: Tensor)]()
        cnn.visitParameters { tensors.append(("cnn." + $0, $1)) }
        tensors.append(("features", features))
        var metadata = description.metadata.merging(extra) { own, _ in own }
        metadata["captioner.captions"] = JSONValue.array(captions.map { .string($0) }).serialized()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsFile.write(tensors, metadata: metadata, to: url)
    }

    /// Loads an index written by `save`; throws `StageError` naming the file when it is
    /// unreadable, another kind of weights, or its parts do not fit each other.
    public init(weights path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw StageError(file: path, problem: "cannot read the captioner index: \((error as NSError).localizedDescription)")
        }
        let file = try SafetensorsFile(data: data, source: path)
        let description = try CaptionerDescription(metadata: file.metadata, file: path)
        guard description.method == "nearest-neighbour" else {
            throw StageError(file: path, problem: "\(description.method) captioner, not nearest-neighbour")
        }
        guard case .array(let list)? = try? JSONParser().parse(Array((file.metadata["captioner.captions"] ?? "").utf8)) else {
            throw StageError(file: path, problem: "\"captioner.captions\" is missing or not a JSON list")
        }
        let captions = list.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        guard captions.count == list.count, !captions.isEmpty else {
            throw StageError(file: path, problem: "\"captioner.captions\" must be a non-empty list of strings")
        }
        guard let features = try? file.tensor(named: "features"), features.rank == 2, features.shape[0] == captions.count else {
            throw StageError(file: path, problem: "\"features\" must be [\(captions.count), D]: one row per caption")
        }
        let p = description.preprocessing
        var cnn = try CaptionCNN.skeleton(architecture: description.cnnArchitecture, layer: description.cnnLayer, preprocessing: p, file: path)
        var tensors = [String: Tensor]()
        for entry in file.entries where entry.name.hasPrefix("cnn.") { tensors[String(entry.name.dropFirst(4))] = try file.tensor(named: entry.name) }
        do {
            try cnn.load(tensors, source: path)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        let side = cnn(Tensor(zeros: [1, p.channels, p.inputSize, p.inputSize]))
        guard side.shape[3] >= description.grid, side.shape[1] * description.grid * description.grid == features.shape[1] else {
            throw StageError(file: path, problem: "\"features\" has \(features.shape[1]) columns; the CNN's \(side.shape[1])x\(side.shape[3])x\(side.shape[3]) map"
                             + " pooled to \(description.grid)x\(description.grid) gives \(side.shape[1] * description.grid * description.grid)")
        }
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        self.init(cnn: cnn, features: features, captions: captions, description: description,
                  identity: description.sharedBackbone ?? BackboneIdentity(architecture: "nn-" + description.cnnArchitecture, weightsDigest: digest, weightsFile: path))
    }

    /// The CNN's last layer, through the pipeline's shared pass.
    public var backboneRequirement: BackboneRequirement? {
        BackboneRequirement(backbone: trunk, layers: [description.cnnLayer])
    }

    /// The pooled features of trunk maps `[N, C, h, w]`: `[N, D]`.
    public func pooledFeatures(ofMaps maps: Tensor) -> Tensor {
        let pooled = pool(maps)
        return pooled.reshaped([pooled.shape[0], pooled.count / pooled.shape[0]])
    }

    /// The out-of-domain verdict of one image from its trunk features (nil without a summary).
    public func domainVerdict(_ input: StageInput) -> DomainVerdict? {
        guard let domain = description.domain, let maps = input.features else { return nil }
        return domain.verdict(GlobalAvgPool()(maps[description.cnnLayer]).scalars)
    }

    /// The captions of the `count` nearest training images, nearest first.
    public func captions(for input: StageInput, count: Int) throws -> [Caption] {
        guard let maps = input.features else { preconditionFailure("NearestNeighbourCaptioner: no trunk features given") }
        return captions(features: pooledFeatures(ofMaps: maps[description.cnnLayer]), count: count)[0]
    }

    /// The captions of each of `images` (the CNN runs `batch` at a time).
    public func captions(of images: [Image], count: Int, batch: Int = 32) -> [[Caption]] {
        guard !images.isEmpty else { return [] }
        var rows = [Tensor]()
        for start in stride(from: 0, to: images.count, by: batch) {
            let inputs = images[start..<min(start + batch, images.count)].map { description.preprocessing.tensor(for: $0) }
            rows.append(pooledFeatures(ofMaps: cnn(Tensor.stack(inputs.map { $0.reshaped(Array($0.shape.dropFirst())) }))))
        }
        return captions(features: Tensor(shape: [images.count, features.shape[1]], scalars: rows.flatMap(\.scalars)), count: count)
    }

    /// For each row of `query` `[N, D]`, the captions of its `count` most similar training
    /// images (cosine similarity; distinct captions, ties to the earlier image).
    public func captions(features query: Tensor, count: Int) -> [[Caption]] {
        precondition(query.rank == 2 && query.shape[1] == features.shape[1], "NearestNeighbourCaptioner: query \(query.shape)")
        let similarity = Tensor.matmul(Self.normalized(query), features, transposeB: true)  // [N, images]
        let m = features.shape[0]
        return (0..<query.shape[0]).map { row in
            let scores = similarity.scalars[(row * m)..<((row + 1) * m)]
            let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            var out = [Caption]()
            for i in order where !out.contains(where: { $0.text == captions[i - row * m] }) {
                out.append(Caption(text: captions[i - row * m], logProbability: 0))
                if out.count == count { break }
            }
            return out
        }
    }
}

extension NearestNeighbourCaptioner {
    /// The registry entry: `weights`.
    public static let registryEntry = Conformance(
        kind: .captioner, name: conformanceName,
        summary: "retrieval baseline: the caption of the training image whose pooled CNN features are nearest",
        parameters: [
            ParameterSpec("weights", .file, default: .string("runs/nearest-neighbour.safetensors"),
                          help: "index written by glimpse train captioner --method nearest-neighbour"),
        ]
    ) { parameters, context in
        .captioner(try NearestNeighbourCaptioner(weights: parameters.string("weights", default: "")))
    }
}
