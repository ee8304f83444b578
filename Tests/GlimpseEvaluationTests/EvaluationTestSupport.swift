// EvaluationTestSupport: what every suite of this target shares: the repository root, temporary
// folders and the one runner of the Python reference scripts in `reference/` (through
// `reference/run.sh`, inside the project's venv with pycocotools, pycocoevalcap and numpy).

import Foundation
import GlimpseSerialization
import GlimpseTestSupport

/// The repository root, found from this file's location.
let evaluationRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// A new empty directory `PREFIX-UUID` under the system temporary directory; the caller removes it.
func evaluationTemporaryDirectory(_ prefix: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// A reference script could not run or printed no JSON.
struct ReferenceScriptError: Error, CustomStringConvertible {
    /// The cause.
    var detail: String
    /// The cause.
    var description: String { detail }
}

/// Runs `reference/SCRIPT ARGUMENTS` in the venv; returns the last line of its standard output
/// parsed as JSON (pip may print before it on the venv's first use).
func runReferenceScript(_ script: String, _ arguments: [String]) throws -> JSONValue {
    _ = try ExternalTool.python3.require()
    let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/sh"),
                                     [evaluationRepositoryRoot + "/Tests/GlimpseEvaluationTests/reference/run.sh", script] + arguments)
    if run.status == 77 { throw ReferenceScriptError(detail: "python3 cannot create a venv (install python3-venv): \(run.stderr)") }
    guard run.status == 0 else { throw ReferenceScriptError(detail: "\(script) exited \(run.status): \(run.stderr)") }
    let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    do {
        return try JSONParser().parse(Array(last.utf8))
    } catch {
        throw ReferenceScriptError(detail: "\(script) printed no JSON: \(run.stdout.suffix(500))")
    }
}
