// OutputPath: the one place a run's per-image output paths are made, and the check that they
// stay inside the output folder.
//
// A stem comes from an input's name (InputScanner mirrors the input tree), and a name is the
// outside world: `..`, an absolute path or an empty component would place a file elsewhere.
// Every per-image output (JSON, mask, preview, thumbnail) is resolved here, so whatever made a
// stem, no output lands outside `-o`. The check is lexical: symbolic links the user placed
// inside the output folder are followed like any other folder.

import Foundation

/// An output path that would leave the output folder.
public struct OutputPathError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The relative path asked for.
    public var relative: String
    /// The output folder.
    public var folder: String

    /// Creates the error.
    public init(relative: String, folder: String) {
        (self.relative, self.folder) = (relative, folder)
    }

    /// Names the path and the folder.
    public var description: String {
        "refused to write \"\(relative)\": it would be outside the output folder \(folder) "
            + "(an output path is relative, with no empty, `.` or `..` component)"
    }
}

/// Paths under an output folder.
public enum OutputPath {
    /// Whether `relative` is a relative path of plain names (no empty, `.` or `..` component).
    public static func staysInside(_ relative: String) -> Bool {
        !relative.isEmpty && !relative.hasPrefix("/")
            && relative.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// `prefix + stem + suffix` under `folder`, e.g. (`.report/`, `photos/a`, `.jpg`); throws
    /// `OutputPathError` unless both the stem and the whole path stay inside the folder.
    public static func resolve(stem: String, prefix: String = "", suffix: String, in folder: URL) throws -> URL {
        let relative = prefix + stem + suffix
        guard staysInside(stem), staysInside(relative) else { throw OutputPathError(relative: relative, folder: folder.path) }
        return folder.appendingPathComponent(relative)
    }
}
