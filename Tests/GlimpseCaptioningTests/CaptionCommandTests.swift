// The shipped NIC weights through the command line and the library: captions of the sample
// scenes with log-probabilities, best first; the out-of-domain rule flags every sample photo and
// none of 100 generated test scenes (with both shipped SqueezeNet NIC files); bad command lines and unreadable images are reported.

import Foundation
import GlimpseCaptioning
import GlimpseDatasets
import GlimpseImaging
import GlimpseTestSupport
import Testing

let shippedNIC = captioningTestsRoot + "/datasets/weights/nic-scenes.safetensors"
/// The every-step NIC (`Pipelines/caption.yaml`'s).
let shippedEveryStepNIC = captioningTestsRoot + "/datasets/weights/nic-every-step-scenes.safetensors"

@Suite("Caption command", .serialized)
struct CaptionCommandTests {
    @Test func captionsTheSampleScenesBestFirst() throws {
        let scenes = captioningTestsRoot + "/datasets/samples/scenes"
        let images = try FileManager.default.contentsOfDirectory(atPath: scenes).filter { $0.hasSuffix(".png") }.sorted().prefix(3)
        let run = try GlimpseProcess.run(["caption", "--weights", shippedNIC, "--beam", "3", "--count", "2"] + images.map { scenes + "/" + $0 })
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 9, "\(run.stdout)")
        for k in 0..<3 {
            #expect(lines[3 * k].hasSuffix(images[images.startIndex + k] + ":"))
            let scores = lines[(3 * k + 1)...(3 * k + 2)].map { Float($0.split(separator: " ", omittingEmptySubsequences: true)[0])! }
            #expect(scores[0] >= scores[1] && scores[0] < 0)
        }
    }

    @Test(arguments: [shippedNIC, shippedEveryStepNIC])
    func samplePhotosAreOutOfDomainAndTestScenesAreNot(weights: String) throws {
        let captioner = try NICCaptioner(weights: weights)
        let samples = captioningTestsRoot + "/datasets/samples/"
        let photos = try ["camera.png", "chelsea.png", "coffee.png", "horse.png", "2011_000003.jpg", "2011_000025.jpg"].map { try ImageFile.read(samples + $0) }
        let photoVerdicts = captioner.captionsOrVerdicts(of: photos, count: 1)
        #expect(photoVerdicts.allSatisfy { $0.verdict?.outOfDomain == true && $0.captions.isEmpty },
                "\(photoVerdicts.map { $0.verdict.map { "\($0.distance) vs \($0.threshold)" } ?? "none" })")
        // 100 scenes of the test split as `glimpse datasets scenes` draws them (seed 1).
        let generator = try SceneGenerator(mnistDirectory: captioningTestsRoot + "/datasets/mnist",
                                           texturesDirectory: captioningTestsRoot + "/datasets/textures")
        let scenes = (0..<100).map { generator.scene(seed: 1, split: .test, index: $0).image }
        let sceneVerdicts = captioner.captionsOrVerdicts(of: scenes, count: 1)
        let flagged = sceneVerdicts.filter { $0.verdict?.outOfDomain != false }.count
        let farthest = sceneVerdicts.compactMap { $0.verdict?.distance }.max() ?? 0
        print("out of domain: photos \(photoVerdicts.compactMap { $0.verdict?.distance }), test scenes farthest \(farthest), threshold \(captioner.description.domain!.threshold)")
        #expect(flagged == 0)
        #expect(sceneVerdicts.allSatisfy { !$0.captions.isEmpty })
        // The command line says so too.
        let run = try GlimpseProcess.run(["caption", "--weights", weights, samples + "chelsea.png"])
        #expect(run.status == 0 && run.stdout.contains("out of domain"), "\(run.stdout)\(run.stderr)")
    }

    @Test func badInputIsReportedNotCrashed() throws {
        let missing = try GlimpseProcess.run(["caption", "--weights", shippedNIC, "/nonexistent/a.png",
                                              captioningTestsRoot + "/datasets/samples/scenes/test-000000.png"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/a.png") && missing.stdout.contains("test-000000.png:"))
        let notWeights = try GlimpseProcess.run(["caption", "--weights", captioningTestsRoot + "/datasets/weights/fcn8s-scenes.safetensors",
                                                 captioningTestsRoot + "/datasets/samples/scenes/test-000000.png"])
        #expect(notWeights.status == 1 && notWeights.stderr.contains("fcn8s-scenes.safetensors") && notWeights.stderr.contains("segmenter"))
        let badCount = try GlimpseProcess.run(["caption", "--beam", "2", "--count", "3", "x.png"])
        #expect(badCount.status != 0 && badCount.stderr.contains("--count"))
    }
}
