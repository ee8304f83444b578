// TestSupport: paths and temporary folders the GlimpseDatasets tests share.

import Foundation

/// The repository root, found from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// `datasets/NAME` in the repository.
func datasetsPath(_ name: String) -> String { repositoryRoot + "/datasets/" + name }

/// A new empty directory under the system temporary directory; the caller removes it.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("GlimpseDatasetsTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// Writes `text` to `directory/name` and returns the path.
@discardableResult
func writeText(_ text: String, named name: String, in directory: String) throws -> String {
    let path = directory + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}
