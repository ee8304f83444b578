// DetectionTestSupport: paths, temporary folders and the pycocotools runner the detection
// evaluation tests share. The reference scripts live in reference/ and run in the project's
// Python venv (scripts/coco-venv.sh: $GLIMPSE_COCO_VENV or .build/coco-venv, created on first
// use); the suites needing it are skipped where python3 is missing unless tools are required.

import Foundation
import GlimpseSerialization
import GlimpseTestSupport

/// The repository root, found from this file's location.
let detectionRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// A new empty directory under the system temporary directory; the caller removes it.
func detectionTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("GlimpseDetectionTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// A reference script failed or printed something that is not JSON.
struct DetectionReferenceFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs `reference/SCRIPT ARGUMENTS` in the venv and parses the last line of its output as JSON.
func runDetectionReference(_ script: String, _ arguments: [String]) throws -> JSONValue {
    _ = try ExternalTool.python3.require()
    let venv = try runShell(detectionRepositoryRoot + "/scripts/coco-venv.sh", [])
    guard venv.status == 0 else {
        throw DetectionReferenceFailure(description: "scripts/coco-venv.sh exited \(venv.status) (77: python3 or its venv module missing): \(venv.errors)")
    }
    let python = venv.output.trimmingCharacters(in: .whitespacesAndNewlines) + "/bin/python"
    let run = try runShell(python, [detectionRepositoryRoot + "/Tests/GlimpseEvaluationTests/reference/" + script] + arguments)
    guard run.status == 0 else { throw DetectionReferenceFailure(description: "\(script) exited \(run.status): \(run.errors)") }
    let last = run.output.split(separator: "\n").last.map(String.init) ?? ""
    do {
        return try JSONParser().parse(Array(last.utf8))
    } catch {
        throw DetectionReferenceFailure(description: "\(script) printed no JSON: \(run.output.suffix(500))")
    }
}

/// Runs a program to completion (GlimpseProcess drains both pipes at once).
private func runShell(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let run = try GlimpseProcess.run(program: URL(fileURLWithPath: executable), arguments)
    return (run.status, run.stdout, run.stderr)
}

extension JSONValue {
    /// The numbers of an array (nil entries for null), for comparing reference output.
    var detectionNumbers: [Double?] {
        guard case let .array(items) = self else { return [] }
        return items.map(\.doubleValue)
    }
}
