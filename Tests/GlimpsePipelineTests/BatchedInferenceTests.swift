// Batched inference in the runner (`--batch`, `BatchOptions.batch`): the same folder through
// batches of one and of several gives the same output bytes and the same ledger apart from the
// timings, with the shipped networks (SqueezeNet backbone and classifier, NIC in and out of its
// domain, Fast R-CNN, FCN) and with test stages; a stage that throws for one image of a batch
// fails that image alone; batches close at `batch` images or at `batchPixels` decoded pixels.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseStages
import GlimpseTestSupport
import Testing

@Suite("Batched inference in the runner", .serialized)
struct BatchedInferenceTests {
    static func run(_ yaml: String, over folder: URL, into out: URL, jobs: Int, batch: Int,
                    batchPixels: Int = BatchOptions.defaultBatchPixels) throws -> RunSummary {
        let file = try PipelineFile.parse(yaml, file: "test.yaml", registry: .withTestStages) { _ in nil }
        let pipeline = try Pipeline(file)
        let items = InputScanner.scan([folder.path]) { pipeline.decoder.recognises($0) }
        let options = BatchOptions(output: out, jobs: jobs, resume: false, batch: batch, batchPixels: batchPixels)
        return try BatchRunner(pipeline: pipeline, items: items, options: options).run()
    }

    /// The ledger's lines without their timings, re-serialised with sorted keys.
    static func ledgerWithoutTimings(_ out: URL) throws -> [String] {
        try PipelineFixtures.ledger(out).map { line in
            var entry = line
            #expect(entry.removeValue(forKey: "timings") != nil)
            return String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Every output but the ledger byte for byte, and the ledger apart from its timings.
    static func expectSameOutputs(_ a: URL, _ b: URL, atLeast count: Int) throws {
        let one = try PipelineFixtures.files(under: a, excluding: ["ledger.jsonl"])
        let other = try PipelineFixtures.files(under: b, excluding: ["ledger.jsonl"])
        #expect(one.count >= count, "\(one.keys.sorted())")
        #expect(one.keys.sorted() == other.keys.sorted())
        for (name, bytes) in one { #expect(other[name] == bytes, "\(name) differs") }
        #expect(try ledgerWithoutTimings(a) == ledgerWithoutTimings(b))
    }

    @Test func testStagesGiveTheSameOutputsInBatchesOfOneAndOfFour() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let one = work.appendingPathComponent("one"), four = work.appendingPathComponent("four")
        let summary = try Self.run(GenericStageTests.yaml, over: tree.folder, into: one, jobs: 1, batch: 1)
        _ = try Self.run(GenericStageTests.yaml, over: tree.folder, into: four, jobs: 2, batch: 4)
        #expect(summary.ok == tree.good.count + 1)
        try Self.expectSameOutputs(one, four, atLeast: 30)
    }

    @Test func aStageThatThrowsForOneImageOfABatchFailsThatImageAlone() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let yaml = "stages:\n  proposer: quadrants\n  captioner: fails-on-gray\n"
        let out = work.appendingPathComponent("eight")
        // one job, batches of eight: the gray images share their batches with colour ones
        let summary = try Self.run(yaml, over: tree.folder, into: out, jobs: 1, batch: 8)
        let gray = ["2024/gray.png", "gray.jpeg"]
        #expect(summary.ok == tree.good.count + 1 - gray.count)
        let ledger = try PipelineFixtures.ledger(out)
        for name in gray {
            let entry = ledger.first { $0["path"] as? String == tree.folder.appendingPathComponent(name).path }
            #expect(entry?["status"] as? String == "failed" && (entry?["error"] as? String)?.contains("a gray image") == true, "\(name)")
        }
        let rgb = try ImageResult.read(out.appendingPathComponent("photos/rgb.json"))
        #expect(rgb.captions?.first?.text == "a 40 by 30 image")
        #expect(rgb.proposals?.count == 5)
        // the same outcome one image at a time
        let single = work.appendingPathComponent("one")
        _ = try Self.run(yaml, over: tree.folder, into: single, jobs: 1, batch: 1)
        try Self.expectSameOutputs(single, out, atLeast: 7)
    }

    @Test func aBatchClosesAtItsImageCountOrItsPixelCap() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let yaml = "stages:\n  captioner: batch-size\n"
        func sizes(batch: Int, batchPixels: Int) throws -> [Int] {
            let out = work.appendingPathComponent("b\(batch)-\(batchPixels)")
            _ = try Self.run(yaml, over: tree.folder, into: out, jobs: 1, batch: batch, batchPixels: batchPixels)
            let lines = try String(contentsOf: out.appendingPathComponent("captions.jsonl"), encoding: .utf8).split(separator: "\n")
            return lines.map { Int($0.split(separator: "in a batch of ")[1].prefix { $0.isNumber })! }
        }
        // nine decodable images (40 x 30 and the like, 768-1,536 pixels, and big.png 30,000)
        let three = try sizes(batch: 3, batchPixels: 1_000_000)
        #expect(three.count == 9 && three.max() == 3)
        // at 1,900 pixels a batch closes once it holds two small images (any two make 1,984 or more; one makes 1,536 at most)
        let capped = try sizes(batch: 8, batchPixels: 1_900)
        #expect(capped.count == 9 && capped.max() == 2 && capped.contains(2))
        #expect(try sizes(batch: 1, batchPixels: 1_000_000).allSatisfy { $0 == 1 })
    }

    /// An image held in a partial batch while more inputs than the window holds are taken after
    /// it (here not-images, finished at once) must not stop the run: with the window full, its
    /// worker waited for the ledger to advance, which waited for the image it held (a hang found
    /// in review; the worker now finishes its batch instead of waiting).
    @Test func aPartialBatchDoesNotWaitForTheWindow() throws {
        let folder = try PipelineFixtures.temporaryFolder().appendingPathComponent("few-images")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try PipelineFixtures.write(try PNG.encode(PipelineFixtures.image(width: 40, height: 30, channels: 3, seed: 1)),
                                   to: folder.appendingPathComponent("a.png"))
        let notImages = 100  // more than the 64 inputs the window holds at one job
        for i in 0..<notImages {
            try PipelineFixtures.write(Array("not an image \(i)\n".utf8), to: folder.appendingPathComponent(String(format: "b%04d.txt", i)))
        }
        try PipelineFixtures.write(try PNG.encode(PipelineFixtures.image(width: 40, height: 30, channels: 3, seed: 2)),
                                   to: folder.appendingPathComponent("c.png"))
        let out = folder.deletingLastPathComponent().appendingPathComponent("out")
        let summary = try Self.run("stages:\n  captioner: batch-size\n", over: folder, into: out, jobs: 1, batch: 4)
        #expect(summary.ok == 2 && summary.skipped == notImages)
    }

    /// The shipped networks through the CLI: the bundled default (SqueezeNet shared by the
    /// classifier and NIC, which finds the photos out of its domain and captions the scenes,
    /// selective search) and scenes.yaml (selective search, Fast R-CNN, FCN-8s, NIC) over the
    /// samples, in batches of one and of eight.
    @Test(arguments: ["Pipelines/default.yaml", "Pipelines/scenes.yaml"])
    func theShippedNetworksGiveTheSameBytesInBatches(pipeline: String) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let path = PipelineFixtures.root.appendingPathComponent(pipeline).path
        let inputs = PipelineFixtures.root.appendingPathComponent(pipeline.hasSuffix("scenes.yaml") ? "datasets/samples/scenes" : "datasets/samples").path
        for (name, batch, jobs) in [("one", "1", "1"), ("eight", "8", "2")] {
            let result = try PipelineFixtures.glimpse(["run", path, inputs, "-o", name, "--quiet", "--batch", batch, "--jobs", jobs], in: work)
            #expect(result.status == 0, "\(result.stderr)")
        }
        try Self.expectSameOutputs(work.appendingPathComponent("one"), work.appendingPathComponent("eight"), atLeast: 10)
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("eight"))
        #expect(ledger.filter { $0["status"] as? String == "ok" }.count >= 6)
        #expect(try PipelineFixtures.glimpse(["run", path, inputs, "-o", "zero", "--batch", "0"], in: work).status == 2)
    }
}
