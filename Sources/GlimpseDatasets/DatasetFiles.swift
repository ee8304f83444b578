// DatasetFiles: file-system helpers shared by the readers and writers, with errors that name the file.

import Foundation
import GlimpseFiles

/// Reading and atomically writing annotation files.
enum DatasetFiles {
    /// The bytes of `path`, or `.unreadable` naming it.
    static func bytes(of path: String) throws(DatasetError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.unreadable, file: path, "no such file or it cannot be read")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` through `AtomicFile`; throws `.unwritable` naming `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(DatasetError) {
        do {
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError(.unwritable, file: path, "\(error)")
        }
    }

    /// Creates `path` and its parents as directories.
    static func makeDirectory(_ path: String) throws(DatasetError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(.unwritable, file: path, "cannot create the directory: \(error.localizedDescription)")
        }
    }

    /// Whether `path` is an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
