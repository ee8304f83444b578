// Pipeline-file validation: every kind of mistake gives a problem with the file, line and key,
// all of them at once; the shipped pipeline files load and build.

import Foundation
import GlimpsePipeline
import GlimpseStages
import Testing

@Suite("Pipeline files")
struct PipelineFileTests {
    static func problems(_ yaml: String, registry: StageRegistry = .withTestStages) -> [PipelineProblem] {
        do {
            _ = try PipelineFile.parse(yaml, file: "p.yaml", registry: registry) { path in
                let full = path.hasPrefix("/") ? path : PipelineFixtures.root.appendingPathComponent(path).path
                return FileManager.default.fileExists(atPath: full) ? full : nil
            }
            return []
        } catch let error as PipelineFileError {
            #expect(error.file == "p.yaml")
            #expect(error.description.split(separator: "\n").allSatisfy { $0.hasPrefix("p.yaml:") })
            return error.problems
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func everyMistakeIsReportedAtOnceWithLineAndKey() {
        let yaml = """
            name: broken
            stages:
              decoder:
                use: image-file
                pixel_budget: lots
              clasifier: {use: squeezenet}
              classifier:
                use: squeezenet
                weights: /nonexistent/w.safetensors
                colour: red
              detector:
                use: yolo
              augmenter:
                use: spec
              captioner: size
            outputs:
              top: 0
              thumbnails: yes
              previews: "yes"
            extra: 1
            """
        let found = Self.problems(yaml).map { "\($0.line) \($0.key)" + " | " + $0.message }
        let expected: [(String, String)] = [
            ("5 stages.decoder.pixel_budget", "expected int, found \"lots\""),
            ("6 stages.clasifier", "unknown stage; stages are decoder, augmenter, backbone, classifier"),
            ("9 stages.classifier.weights", "no such file: /nonexistent/w.safetensors"),
            ("10 stages.classifier.colour", "unknown parameter of squeezenet; it takes weights, labels"),
            ("12 stages.detector.use", "unknown conformance \"yolo\"; known: brightness"),
            ("13 stages.augmenter.ops", "missing (string"),
            ("17 outputs.top", "must be at least 1"),
            ("18 outputs.thumbnails", "unknown output; outputs are top,"),
            ("19 outputs.previews", "expected bool, found \"yes\""),
            ("20 extra", "unknown key"),
        ]
        #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
        for (key, message) in expected {
            #expect(found.contains { $0.hasPrefix(key + " | ") && $0.contains(message) }, "no \(key): \(message) in\n\(found.joined(separator: "\n"))")
        }
    }

    @Test func aStageWithNoConformancesSaysSo() {
        let found = Self.problems("stages:\n  detector: rcnn\n", registry: StageRegistry())
        #expect(found.map(\.description) == ["line 2: stages.detector.use: unknown conformance \"rcnn\"; known: none registered yet"])
    }

    @Test func notYAMLOrNotAMappingIsOneProblemWithItsLine() {
        let bad = Self.problems("stages:\n  decoder: [unclosed\n")
        #expect(bad.count == 1 && bad[0].message.hasPrefix("not valid YAML") && bad[0].line >= 2, "\(bad)")
        #expect(Self.problems("- a\n- b\n").first?.message.hasPrefix("expected a mapping") == true)
        #expect(Self.problems("name: x\n").map(\.key) == ["stages"])
    }

    @Test func quotedNumbersAreTextAndFilesAreResolved() throws {
        let file = try PipelineFile.parse("stages:\n  detector:\n    use: brightness\n    threshold: 90\n", file: "p.yaml",
                                          registry: .withTestStages) { _ in nil }
        #expect(file.stages.map(\.kind) == [.decoder, .detector], "decoder added by default, pipeline order")
        #expect(file.stages[1].parameters.values["threshold"] == .float(90), "an int literal is accepted as a float")
        #expect(file.stages[1].parameters.float("threshold", default: 0) == 90)
        let quoted = Self.problems("stages:\n  detector:\n    use: brightness\n    threshold: \"90\"\n")
        #expect(quoted.map(\.key) == ["stages.detector.threshold"])
    }

    @Test func weightsThatCannotBeLoadedAreNamedWithTheStageLine() throws {
        let folder = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("w.safetensors")
        try Data("not safetensors".utf8).write(to: weights)
        let file = try PipelineFile.parse("stages:\n  decoder: image-file\n  backbone:\n    use: cnn\n    weights: \(weights.path)\n",
                                          file: "p.yaml", registry: .standard) { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        #expect(throws: PipelineFileError.self) { try Pipeline(file) }
        do {
            _ = try Pipeline(file)
        } catch let error as PipelineFileError {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].line == 3 && error.problems[0].key == "stages.backbone")
            #expect(error.problems[0].message.contains(weights.path), "\(error)")
        }
    }

    @Test(arguments: ["classify.yaml", "default.yaml", "detect.yaml", "detect-rcnn.yaml", "detect-rpn.yaml", "detect-rpn-tiny.yaml", "detect-faster.yaml", "segment.yaml", "segment-fcn32s.yaml",
                      "segment-per-pixel.yaml", "scenes.yaml", "scenes-fast.yaml", "caption.yaml", "faces.yaml"])
    func shippedPipelinesLoadAndBuild(name: String) throws {
        let path = PipelineFixtures.root.appendingPathComponent("Pipelines/" + name).path
        let file = try PipelineFile.load(path, registry: .standard)
        let pipeline = try Pipeline(file)
        if name.hasPrefix("segment") {
            #expect(pipeline.stages.map(\.kind) == [.segmenter])
            return
        }
        if name == "caption.yaml" {
            #expect(pipeline.stages.map(\.kind) == [.captioner])
            return
        }
        if name == "faces.yaml" {
            // MTCNN needs no proposer and no backbone
            #expect(pipeline.stages.map(\.kind) == [.detector])
            #expect(pipeline.boxCategories == ["face"] && pipeline.boxCategoryIDs == [1])
            return
        }
        if name == "scenes.yaml" {
            #expect(pipeline.stages.map(\.kind) == [.proposer, .detector, .segmenter, .captioner])
            return
        }
        if name == "scenes-fast.yaml" {
            // Faster R-CNN, the trunk-fcn segmenter and NIC on the same frozen trunk: one pass for the three heads.
            #expect(pipeline.stages.map(\.kind) == [.detector, .segmenter, .captioner])
            #expect(pipeline.backbonePasses.count == 1, "\(pipeline.backbonePasses.map(\.backbone.identity))")
            return
        }
        if name == "detect-faster.yaml" {
            // Faster R-CNN proposes with its own head: no proposer stage, one trunk pass for both heads.
            #expect(pipeline.stages.map(\.kind) == [.detector])
            #expect(pipeline.backbonePasses.count == 1)
            #expect(pipeline.boxCategories == (0...9).map(String.init) && pipeline.boxCategoryIDs == Array(1...10))
            return
        }
        if name.hasPrefix("detect") {
            #expect(pipeline.stages.map(\.kind) == [.proposer, .detector])
            #expect(pipeline.boxCategories == (0...9).map(String.init) && pipeline.boxCategoryIDs == Array(1...10))
            // The RPN's trunk is the Fast R-CNN detector's (kept frozen in training): one pass for both.
            if name == "detect-rpn.yaml" { #expect(pipeline.backbonePasses.count == 1, "\(pipeline.backbonePasses.map(\.backbone.identity))") }
            // The tiny-trunk RPN brings its own trunk: two passes, its (about a millisecond) and the detector's.
            if name == "detect-rpn-tiny.yaml" { #expect(pipeline.backbonePasses.count == 2, "\(pipeline.backbonePasses.map(\.backbone.identity))") }
            return
        }
        #expect(pipeline.stages.contains { $0.kind == .classifier })
        if name == "default.yaml" { #expect(pipeline.stages.contains { $0.kind == .proposer } && pipeline.hasCaptioner) }
        #expect(file.fingerprint.count == 16)
    }

    @Test func fingerprintFollowsTheNamedFilesContentNotTheirTimesOrFolder() throws {
        let folder = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = PipelineFixtures.root.appendingPathComponent("datasets/weights/squeezenet1_1.safetensors")
        // The same pipeline text, its relative weights path resolved to one file or the other
        // (as the same pipeline file resolves in two checkouts).
        func fingerprint(_ path: String) throws -> String {
            try PipelineFile.parse("stages:\n  decoder: image-file\n  backbone:\n    use: cnn\n    weights: w.safetensors\n",
                                   file: "p.yaml", registry: .standard) { _ in path }
                .fingerprint
        }
        let copy = folder.appendingPathComponent("copy.safetensors")
        try FileManager.default.copyItem(at: weights, to: copy)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: copy.path)
        #expect(try fingerprint(copy.path) == fingerprint(weights.path), "a moved, re-dated copy resumes")
        var bytes = try Data(contentsOf: copy)
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: copy)
        #expect(try fingerprint(copy.path) != fingerprint(weights.path), "changed weights redo the work")
    }
}
