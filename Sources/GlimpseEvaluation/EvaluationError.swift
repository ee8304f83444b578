// EvaluationError: the one error type of the metrics' inputs (ground truth and predictions).
//
// An evaluation input that does not fit is only actionable when the message says where: every
// failure names the file, the entry (a result's index, an image id, a label map's relative
// path) when there is one, and the cause: "results.json: result 12: image id 907 is not in the
// ground truth (instances.json): a prediction file for another split?". Errors that the COCO
// readers raise (`DatasetError`) reach the caller as they are; this type covers what only the
// comparison of two files can find.

/// A ground-truth or prediction input that cannot be evaluated; names the file, entry and cause.
public struct EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in categories a caller can act on.
    public enum Kind: String, Sendable, Equatable {
        /// The file or folder could not be opened or read.
        case unreadable
        /// The bytes are not well-formed (JSON, JSON lines, PNG).
        case syntax
        /// An entry has a missing field, a wrong type or a value that is not allowed.
        case invalidEntry = "invalid entry"
        /// The two inputs do not belong together: an image id, category or file the ground truth
        /// does not have, a label map of another size, a prediction file for another split.
        case mismatch
        /// The report could not be written.
        case unwritable
    }

    /// The category of the failure.
    public var kind: Kind
    /// The file (or folder) involved.
    public var file: String
    /// The entry, e.g. "result 12", "image 907", "a/b.png"; nil for file-level problems.
    public var entry: String?
    /// The cause in words.
    public var detail: String

    /// Creates an error of `kind` for `file`, optionally naming an entry.
    public init(_ kind: Kind, file: String, entry: String? = nil, _ detail: String) {
        self.kind = kind
        self.file = file
        self.entry = entry
        self.detail = detail
    }

    /// "file: entry: kind: detail".
    public var description: String {
        var parts = [file]
        if let entry { parts.append(entry) }
        parts.append(kind.rawValue)
        parts.append(detail)
        return parts.joined(separator: ": ")
    }
}
