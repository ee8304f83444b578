// DetectionTestSupport: the detection tests' names for the target's shared paths, temporary
// folders and reference runner (EvaluationTestSupport.swift). The reference scripts live in reference/ and run in the project's
// Python venv (scripts/coco-venv.sh: $GLIMPSE_COCO_VENV or .build/coco-venv, created on first
// use); the suites needing it are skipped where python3 is missing unless tools are required.

import Foundation
import GlimpseSerialization
import GlimpseTestSupport

/// The repository root.
var detectionRepositoryRoot: String { evaluationRepositoryRoot }

/// A new empty directory under the system temporary directory; the caller removes it.
func detectionTemporaryDirectory() throws -> String { try evaluationTemporaryDirectory("GlimpseDetectionTests") }

/// Runs `reference/SCRIPT ARGUMENTS` in the venv and parses the last line of its output as JSON.
func runDetectionReference(_ script: String, _ arguments: [String]) throws -> JSONValue {
    try runReferenceScript(script, arguments)
}

extension JSONValue {
    /// The numbers of an array (nil entries for null), for comparing reference output.
    var detectionNumbers: [Double?] {
        guard case let .array(items) = self else { return [] }
        return items.map(\.doubleValue)
    }
}
