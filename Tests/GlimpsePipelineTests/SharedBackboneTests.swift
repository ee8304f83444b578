// One backbone pass per image: heads on the pipeline's weights read its pass, a head trained on
// other weights brings its own (which also runs once), and a head whose requirements the
// pipeline cannot meet is rejected at load with its line.

import Foundation
import GlimpseClassification
import GlimpseImaging
import GlimpseModels
import GlimpsePipeline
import GlimpseRegistry
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("Shared backbone")
struct SharedBackboneTests {
    static let weights = PipelineFixtures.root.appendingPathComponent("datasets/weights/squeezenet1_1.safetensors").path
    static let labels = PipelineFixtures.root.appendingPathComponent("datasets/weights/imagenet1k_labels.txt").path
    static let digits = PipelineFixtures.root.appendingPathComponent("datasets/weights/deepconvnet-mnist.safetensors").path

    static func pipeline(_ yaml: String) throws -> Pipeline {
        let file = try PipelineFile.parse(yaml, file: "p.yaml", registry: .withTestStages) {
            FileManager.default.fileExists(atPath: $0) ? $0 : nil
        }
        return try Pipeline(file)
    }

    static func yaml(backbone: String = weights, architecture: String = "squeezenet", classifierWeights: String?) -> String {
        """
        stages:
          decoder: image-file
          backbone:
            use: cnn
            architecture: \(architecture)
            weights: \(backbone)
            layer: \(architecture == "squeezenet" ? "fire9" : "conv6")
          classifier:
            use: squeezenet
            labels: \(labels)
        \(classifierWeights.map { "    weights: \($0)" } ?? "")
        outputs:
          features: true
        """
    }

    @Test func theShippedDefaultPipelineRunsSqueezeNetOncePerImage() throws {
        let path = PipelineFixtures.root.appendingPathComponent("Pipelines/default.yaml").path
        let pipeline = try Pipeline(PipelineFile.load(path, registry: .standard))
        #expect(pipeline.backbonePasses.count == 1)
        #expect(pipeline.backbonePasses[0].layers == ["fire9", "pool10"])
    }

    @Test func theSameWeightBytesInAnotherFileAreShared() throws {
        let folder = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("copy.safetensors")
        try FileManager.default.copyItem(atPath: Self.weights, toPath: copy.path)
        for weights in [nil, Self.weights, copy.path] {
            let pipeline = try Self.pipeline(Self.yaml(classifierWeights: weights))
            #expect(pipeline.backbonePasses.count == 1, "classifier weights \(weights ?? "(none)")")
        }
    }

    @Test func aHeadOnOtherWeightsRunsItsOwnBackboneAndGivesItsOwnScores() throws {
        let folder = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // other SqueezeNet weights: the shipped ones with the class-score bias of class 0 raised
        var model = try PretrainedNetwork(architecture: .squeezenet, weights: Self.weights).network
        model.updateParameters { name, tensor in
            if name == "conv10.bias" { tensor = Tensor(shape: tensor.shape, scalars: [20] + tensor.scalars.dropFirst()) }
        }
        let other = folder.appendingPathComponent("other.safetensors")
        try model.save(to: other, metadata: ArchitecturePreprocessing.squeezenet)
        let pipeline = try Self.pipeline(Self.yaml(classifierWeights: other.path))
        #expect(pipeline.backbonePasses.count == 2)
        let image = PipelineFixtures.image(width: 64, height: 48, channels: 3, seed: 1)
        let outcome = try pipeline.process(image, input: "a.png", seed: 0, labelMapPath: "")
        #expect(outcome.result.classes?.first?.classIndex == 0, "the classifier read its own weights' scores")
        #expect(outcome.result.features?.count == 512, "the backbone stage still gives pooled fire9")
    }

    @Test func sharedScoresEqualTheClassifierRunningAlone() throws {
        let pipeline = try Self.pipeline(Self.yaml(classifierWeights: nil))
        let alone = try SqueezeNetClassifier(weights: Self.weights, labels: Self.labels)
        for seed in 1...2 {
            let image = PipelineFixtures.image(width: 80, height: 60, channels: 3, seed: seed)
            let outcome = try pipeline.process(image, input: "a.png", seed: 0, labelMapPath: "")
            #expect(outcome.result.classes == alone.classify([image], top: 5)[0])
            let features = CNNBackboneFeatures.pooledFire9(image)
            #expect(outcome.result.features == features)
        }
    }

    @Test func aClassifierOnABackboneOfAnotherArchitectureIsRejectedWithItsLine() throws {
        do {
            _ = try Self.pipeline(Self.yaml(backbone: Self.digits, architecture: "deepconvnet", classifierWeights: nil))
            Issue.record("a SqueezeNet classifier was accepted on a DeepConvNet backbone")
        } catch let error as PipelineFileError {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].key == "stages.classifier" && error.problems[0].line == 8, "\(error)")
            #expect(error.problems[0].message.contains("deepconvnet"), "\(error)")
        }
    }

    @Test func aClassifierWithoutWeightsOrBackboneIsRejected() throws {
        #expect(throws: PipelineFileError.self) {
            _ = try Self.pipeline("stages:\n  classifier:\n    use: squeezenet\n    labels: \(Self.labels)\n")
        }
    }

    @Test func aDetectorThatNeedsProposalsWithoutAProposerIsRejectedWithItsLine() throws {
        do {
            _ = try Self.pipeline("stages:\n  decoder: image-file\n  detector: brightness\n")
            Issue.record("a detector that needs proposals was accepted without a proposer")
        } catch let error as PipelineFileError {
            #expect(error.problems.map(\.line) == [3] && error.problems[0].message.contains("proposer"), "\(error)")
        }
    }
}

/// The reference the shared pass is checked against: the backbone's own batch path.
enum CNNBackboneFeatures {
    static let backbone = try! CNNBackbone(weights: SharedBackboneTests.weights, layer: "fire9", pooled: true)
    static func pooledFire9(_ image: Image) -> [Float] { backbone.features(of: [image]).scalars }
}

/// SqueezeNet's preprocessing metadata, for weights files written by tests.
enum ArchitecturePreprocessing {
    static let squeezenet = Architecture.squeezenet.defaultPreprocessing.metadata
}

@Suite("Backbone identity")
struct BackboneIdentityTests {
    @Test func identityIsTheArchitectureAndTheWeightBytesNotThePath() {
        let a = BackboneIdentity(architecture: "squeezenet", weightsDigest: "0123456789abcdef", weightsFile: "a/w.safetensors")
        let copy = BackboneIdentity(architecture: "squeezenet", weightsDigest: "0123456789abcdef", weightsFile: "b/copy.safetensors")
        let other = BackboneIdentity(architecture: "squeezenet", weightsDigest: "fedcba9876543210", weightsFile: "a/w.safetensors")
        #expect(a == copy && Set([a, copy]).count == 1)
        #expect(a != other)
        #expect(a != BackboneIdentity(architecture: "deepconvnet", weightsDigest: "0123456789abcdef", weightsFile: "a/w.safetensors"))
    }

    @Test func aHeadFileRecordsItsBackboneInItsMetadata() throws {
        let identity = BackboneIdentity(architecture: "deepconvnet", weightsDigest: "00000000000000ff", weightsFile: "/x/digits.safetensors")
        #expect(BackboneIdentity(metadata: identity.metadata) == identity)
        #expect(identity.metadata["backbone.weights_file"] == "digits.safetensors")
        #expect(BackboneIdentity(metadata: ["backbone.architecture": "squeezenet"]) == nil)
    }

    @Test func theContextSharesOnlyTheMatchingBackbone() throws {
        let backbone = try CNNBackbone(weights: SharedBackboneTests.weights)
        let context = StageContext(backbone: backbone)
        #expect(context.sharedBackbone(matching: backbone.identity) != nil)
        var other = backbone.identity
        other.weightsDigest = "0000000000000000"
        #expect(context.sharedBackbone(matching: other) == nil)
        #expect(StageContext().sharedBackbone(matching: backbone.identity) == nil)
    }
}
