// The glimpse binary on broken inputs: a clear error naming the file, exit status 1, no crash.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseTestSupport
import GlimpseTraining
import Testing

/// Runs the `glimpse` built next to this test bundle; returns exit status, standard error and output.
func runGlimpse(_ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
    let run = try GlimpseProcess.run(arguments)
    return (run.status, run.stderr, run.stdout)
}

@Suite("Command-line errors", .serialized)
struct CommandLineErrorTests {
    /// Writes valid weights, then `mutate`s their bytes; returns the file.
    static func weights(in directory: URL, _ mutate: (inout [UInt8]) -> Void) throws -> URL {
        let url = directory.appendingPathComponent("weights.safetensors")
        try DeepConvNet.make(seed: 1).save(to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        mutate(&bytes)
        try Data(bytes).write(to: url)
        return url
    }

    static func expectFailure(_ arguments: [String], mentions: [String]) throws {
        let result = try runGlimpse(arguments)
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        for text in mentions {
            #expect(result.stderr.contains(text), "stderr lacks \"\(text)\": \(result.stderr)")
        }
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
    }

    @Test func truncatedWeights() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try Self.weights(in: directory) { $0.removeLast($0.count - 200) }
        try Self.expectFailure(["eval", "mnist", "--weights", url.path, "--data", mnistDirectory], mentions: [url.path])
    }

    @Test func lyingHeaderOffsets() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Claim a header longer than the file.
        let url = try Self.weights(in: directory) { bytes in
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian, Array.init))
        }
        try Self.expectFailure(["eval", "mnist", "--weights", url.path, "--data", mnistDirectory], mentions: [url.path])
    }

    @Test func missingWeights() throws {
        try Self.expectFailure(["eval", "mnist", "--weights", "/nonexistent/w.safetensors", "--data", mnistDirectory],
                               mentions: ["/nonexistent/w.safetensors"])
    }

    @Test func brokenIDXFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weightsURL = directory.appendingPathComponent("w.safetensors")
        try DeepConvNet.make(seed: 1).save(to: weightsURL)
        let data = directory.appendingPathComponent("mnist")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte")
        let labels = data.appendingPathComponent("t10k-labels-idx1-ubyte")
        // Wrong magic number in the image file.
        try Data([0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 0, count: 784)).write(to: images)
        try Data([0, 0, 8, 1, 0, 0, 0, 1, 7]).write(to: labels)
        try Self.expectFailure(["eval", "mnist", "--weights", weightsURL.path, "--data", data.path], mentions: [images.path])
        // Right magic, but fewer pixels than the header declares.
        try Data([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 0, count: 700)).write(to: images)
        try Self.expectFailure(["eval", "mnist", "--weights", weightsURL.path, "--data", data.path], mentions: [images.path])
    }

    @Test func cropScaleOutsideItsRangeIsAUsageError() throws {
        for value in ["0", "1.5"] {
            let result = try runGlimpse(["finetune", "--data", "/nonexistent", "--crop-scale", value])
            #expect(result.status == 2, "--crop-scale \(value): status \(result.status)")
            #expect(result.stderr.contains("--crop-scale must be in (0, 1]"), "\(result.stderr)")
        }
    }

    @Test func usageErrorIsNotACrash() throws {
        let result = try runGlimpse(["eval", "mnist", "--precision", "f8"])
        #expect(result.status != 0 && result.status != 1)
        #expect(result.stderr.contains("--precision"))
    }
}
