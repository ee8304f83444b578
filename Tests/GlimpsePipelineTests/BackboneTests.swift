// The CNN backbone on real photos with the shipped SqueezeNet weights, and on the shipped
// DeepConvNet digits weights.

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseClassification
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("Backbone")
struct BackboneTests {
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

    @Test func onePassKeepsEveryLayerAskedForAndTheInputScale() throws {
        let backbone = try CNNBackbone(weights: Self.weights)
        let image = try ImageFile.read(Self.root.appendingPathComponent("datasets/samples/chelsea.png").path)
        let features = backbone.features(of: image, layers: ["pool3", "fire9", "pool10"])
        #expect(Set(features.layers.keys) == ["pool3", "fire9", "pool10"])
        #expect(features["pool3"].shape == [1, 128, 27, 27] && features["fire9"].shape == [1, 512, 13, 13])
        #expect(features["pool10"].shape == [1, 1000])
        #expect(features.inputScale.x == 227 / Float(image.width) && features.inputScale.y == 227 / Float(image.height))
        #expect(backbone.featureVector(features) == backbone.features(of: [image]).scalars, "the shared pass gives the batch path's features")
        #expect(backbone.identity.architecture == "squeezenet" && backbone.identity.weightsDigest.count == 16)
    }

    @Test func theDigitsNetworkIsABackboneToo() throws {
        let weights = Self.root.appendingPathComponent("datasets/weights/deepconvnet-mnist.safetensors").path
        let backbone = try CNNBackbone(architecture: .deepconvnet, weights: weights, layer: "conv6")
        #expect(backbone.preprocessing.inputSize == 28 && backbone.preprocessing.channelOrder == "gray")
        var pixels = [UInt8](repeating: 0, count: 40 * 40)
        for y in 10..<30 { pixels[y * 40 + 20] = 255 }  // a "1"
        let features = backbone.features(of: Image(width: 40, height: 40, channels: 1, pixels: pixels), layers: ["conv6", "fc2"])
        #expect(backbone.featureVector(features).count == 64)
        #expect(features["fc2"].shape == [1, 10])
    }
}

