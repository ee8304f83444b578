// DatasetError: the one error type for annotation files read from or written to the outside world.
//
// A malformed annotation is only actionable when the message says where it is, so every failure
// names the file, the record (COCO annotation or image id, VOC object index) when there is one,
// the field, and the cause: "train/instances.json: annotation 17: field 'bbox': box [3, 4, 90, 9]
// leaves the 64x64 image".

/// A failure reading, validating or writing a dataset file; names the file, record, field and cause.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in categories a caller can act on.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened, read or written.
        case unreadable
        /// The bytes are not well-formed JSON or XML.
        case syntax
        /// A required field is absent.
        case missingField = "missing field"
        /// A field holds a value of the wrong type.
        case wrongType = "wrong type"
        /// A field holds a value of the right type that is not allowed (a box outside the
        /// image, an unknown category id, a duplicate id, a negative size).
        case invalidValue = "invalid value"
        /// The output could not be written.
        case unwritable
    }

    /// The category of the failure.
    public var kind: Kind
    /// The file involved.
    public var file: String
    /// The record, e.g. "annotation 17", "image 3", "object 2"; nil for file-level problems.
    public var record: String?
    /// The field, e.g. "bbox", "segmentation.counts", "bndbox.xmax"; nil when not about a field.
    public var field: String?
    /// The cause in words.
    public var detail: String

    /// Creates an error of `kind` for `file`, optionally naming a record and a field.
    public init(_ kind: Kind, file: String, record: String? = nil, field: String? = nil, _ detail: String) {
        self.kind = kind
        self.file = file
        self.record = record
        self.field = field
        self.detail = detail
    }

    /// "file: record: field 'name': kind: detail".
    public var description: String {
        var parts = [file]
        if let record { parts.append(record) }
        if let field { parts.append("field '\(field)'") }
        parts.append(kind.rawValue)
        parts.append(detail)
        return parts.joined(separator: ": ")
    }
}
