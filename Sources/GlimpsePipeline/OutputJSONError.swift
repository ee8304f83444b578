// OutputJSONError: a JSON file the pipeline wrote (a per-image STEM.json, a ledger line) that
// cannot be read back, naming the file and, when the JSON parsed, the field at fault.

/// A pipeline output JSON that cannot be read back.
public struct OutputJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The field at fault as a path (`detections[2].x0`), nil when the text is not JSON.
    public var field: String?
    /// What is wrong, e.g. "line 3 column 5: expected ',' or '}'" or "expected a number, found string".
    public var message: String

    /// Creates the error.
    public init(file: String, field: String?, message: String) {
        (self.file, self.field, self.message) = (file, field, message)
    }

    /// "FILE: FIELD: MESSAGE" (without the field when there is none).
    public var description: String {
        field.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)"
    }
}
