// CaptionReferenceRunner: what the caption tests share: the repository's paths, temporary
// folders, generated scene captions and the runner of the Python reference scripts in
// `reference/` (pycocoevalcap in the project's venv).

import Foundation
import GlimpseDatasets
import GlimpseSerialization
import GlimpseTestSupport

/// Paths, scene captions and reference scripts for the caption tests.
enum CaptionReferenceRunner {
    /// The repository root.
    static var repositoryRoot: String { evaluationRepositoryRoot }

    /// A new empty directory under the system temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> String { try evaluationTemporaryDirectory("GlimpseCaptionTests") }

    /// Writes `text` to `directory/name`; returns the path.
    @discardableResult
    static func write(_ text: String, named name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Generates `count` test-split scenes with `seed` into `directory` through the binary;
    /// returns the path of their captions.json.
    static func sceneCaptions(count: Int, seed: Int, in directory: String) throws -> String {
        let run = try GlimpseProcess.run(["datasets", "scenes", "--out", directory, "--count", String(count),
                                          "--split", "test", "--seed", String(seed), "--threads", "2"],
                                         in: URL(fileURLWithPath: repositoryRoot))
        guard run.status == 0 else { throw ReferenceScriptError(detail: "glimpse datasets scenes failed: \(run.stderr)") }
        return directory + "/test/captions.json"
    }

    /// Runs `reference/SCRIPT input` in the venv (`input` written to a temporary JSON file);
    /// returns its output parsed as JSON.
    static func runScript(_ script: String, input: JSONValue) throws -> JSONValue {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try runReferenceScript(script, [try write(input.serialized(), named: "input.json", in: directory)])
    }

    /// The numbers of a JSON array.
    static func numbers(_ value: JSONValue?) -> [Double] {
        guard case let .array(items)? = value else { return [] }
        return items.compactMap(\.doubleValue)
    }
}
