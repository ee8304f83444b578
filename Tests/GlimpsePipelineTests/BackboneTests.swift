// The CNN feature extractor on real photos with the shipped SqueezeNet weights.

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseClassification
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("Feature extractor")
struct FeatureExtractorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let weights = root.appendingPathComponent("datasets/weights/squeezenet1_1.safetensors").path

    @Test func pooledFire9FeaturesOfRealPhotos() throws {
        let extractor = try CNNBackbone(weights: Self.weights, layer: "fire9", pooled: true)
        #expect(extractor.preprocessing.inputSize == 227 && extractor.preprocessing.channelOrder == "BGR")
        let images = try ["chelsea.png", "coffee.png", "2011_000003.jpg"].map {
            try ImageFile.read(Self.root.appendingPathComponent("datasets/samples/" + $0).path)
        }
        let features = extractor.features(of: images)
        #expect(features.shape == [3, 512])
        #expect(features.min() >= 0, "fire9 ends in a ReLU")
        // Each image's features equal those it gets alone (batching does not mix images).
        let alone = extractor.features(of: [images[1]])
        #expect((features.item(1) - alone.item(0)).maxAbs() < 1e-4)
        // Different photos, different features.
        #expect((features.item(0) - features.item(1)).maxAbs() > 0.1)
        let map = try CNNBackbone(weights: Self.weights, layer: "fire9", pooled: false).features(of: [images[0]])
        #expect(map.shape == [1, 512, 13, 13])
    }

    @Test func unknownLayerAndMissingFileAreNamed() {
        #expect(throws: (any Error).self) { try CNNBackbone(weights: Self.weights, layer: "fire10") }
        do {
            _ = try CNNBackbone(weights: "/nonexistent/w.safetensors")
            Issue.record("a missing file was accepted")
        } catch {
            #expect("\(error)".contains("/nonexistent/w.safetensors"))
        }
    }
}
