// TestFiles: helpers the MNIST, IDX, gzip and image-folder tests share (formerly the
// GlimpseData tests; `makeTemporaryDirectory` is TestSupport's).

import Foundation

/// Creates `parent/name` as a directory and returns its path.
func makeSubdirectory(_ name: String, in parent: String) throws -> String {
    let path = parent + "/" + name
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Removes a directory made by `makeTemporaryDirectory`.
func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Writes `bytes` to `directory/name` and returns the full path.
@discardableResult
func writeFile(_ bytes: [UInt8], named name: String, in directory: String) throws -> String {
    let path = directory + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The repository's `datasets/mnist` folder, found from this file's path
/// (`Tests/GlimpseDatasetsTests/TestFiles.swift` -> `../../datasets/mnist`).
func mnistDirectory(filePath: String = #filePath) -> String {
    URL(fileURLWithPath: filePath)
        .deletingLastPathComponent()  // GlimpseDatasetsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("datasets/mnist").path
}

/// Deterministic bytes for test files (a small linear congruential sequence, not random).
func patternBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 1_664_525 &+ 1_013_904_223
        return UInt8(x >> 24)
    }
}
