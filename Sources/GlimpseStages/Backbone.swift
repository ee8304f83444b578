// Backbone: the pipeline's shared CNN (the "CNN feature extractor with transfer-learned
// weights"). It runs once per image and hands the named layer outputs every later stage asks
// for to all of them, so a classifier, a detector, a segmenter and a captioner trained on the
// same weights share one forward pass. One small protocol without associated types, so a
// pipeline file can pick a conformance by name at run time.

import Foundation
import GlimpseImaging
import GlimpseTensor

/// Which network and which weights: what a head was trained on and a backbone runs.
public struct BackboneIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The architecture's name (`squeezenet`, `deepconvnet`).
    public var architecture: String
    /// A digest of the weights file's bytes (16 hex digits of FNV-1a 64).
    public var weightsDigest: String
    /// The weights file, for messages (not part of the identity: a copy elsewhere is the same weights).
    public var weightsFile: String

    /// Creates an identity.
    public init(architecture: String, weightsDigest: String, weightsFile: String) {
        (self.architecture, self.weightsDigest, self.weightsFile) = (architecture, weightsDigest, weightsFile)
    }

    /// Same architecture and same weight bytes.
    public static func == (a: BackboneIdentity, b: BackboneIdentity) -> Bool {
        a.architecture == b.architecture && a.weightsDigest == b.weightsDigest
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(architecture)
        hasher.combine(weightsDigest)
    }

    /// "squeezenet with datasets/weights/squeezenet1_1.safetensors (digest)".
    public var description: String { "\(architecture) with \(weightsFile) (\(weightsDigest))" }

    /// The metadata keys a head's weights file records its backbone under, so the pipeline can
    /// tell at load whether the head fits the pipeline's backbone.
    public var metadata: [String: String] {
        ["backbone.architecture": architecture, "backbone.weights_digest": weightsDigest,
         "backbone.weights_file": URL(fileURLWithPath: weightsFile).lastPathComponent]
    }

    /// The backbone a head's weights file records (see `metadata`); nil when it records none.
    public init?(metadata: [String: String]) {
        guard let architecture = metadata["backbone.architecture"], let digest = metadata["backbone.weights_digest"] else {
            return nil
        }
        self.init(architecture: architecture, weightsDigest: digest, weightsFile: metadata["backbone.weights_file"] ?? "?")
    }
}

/// A CNN with pretrained weights whose named layer outputs the pipeline shares between stages.
public protocol Backbone: Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The network and weights it runs.
    var identity: BackboneIdentity { get }

    /// The layers whose outputs it can give, input to output.
    var layerNames: [String] { get }

    /// The layer the pipeline's `features` output shows (set in the pipeline file).
    var featureLayer: String { get }

    /// One forward pass over `image` that keeps the outputs of `layers` (each in `layerNames`;
    /// the pass stops at the deepest of them).
    func features(of image: Image, layers: Set<String>) -> BackboneFeatures

    /// The passes of a batch of images (one `BackboneFeatures` per image, in order), each equal
    /// value for value to `features(of:layers:)` of that image alone. Default: one pass per
    /// image; a network whose per-image results do not depend on the batch runs them together.
    func features(of images: [Image], layers: Set<String>) -> [BackboneFeatures]

    /// The `features` output of one image from a pass that kept `featureLayer`: its activations
    /// `[C]` when the pipeline file asks for pooling, `[C, H, W]` flattened otherwise.
    func featureVector(_ features: BackboneFeatures) -> [Float]
}

extension Backbone {
    /// One pass per image.
    public func features(of images: [Image], layers: Set<String>) -> [BackboneFeatures] {
        images.map { features(of: $0, layers: layers) }
    }
}
