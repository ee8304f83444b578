// ImagingError: the one error type for images read from or written to the outside world.
//
// Every failure names the file (or "<memory>" for bytes with no file) and says what is wrong,
// so a message like "photo.jpg: truncated: premature end of JPEG file" is enough to act on.

/// A failure reading, decoding, encoding or writing an image; names the file and the cause.
public struct ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in categories a caller can act on.
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable
        /// The file has no bytes.
        case empty
        /// The bytes are neither PNG nor JPEG.
        case unknownFormat = "unknown format"
        /// The file ends before the image does.
        case truncated
        /// The bytes break the format (bad CRC, bad marker, bad compressed data).
        case corrupt
        /// A legal file using a feature this decoder does not handle.
        case unsupported
        /// The header declares more pixels than the pixel budget allows.
        case tooLarge = "too large"
        /// The output could not be encoded or written.
        case unwritable
    }

    /// The category of the failure.
    public var kind: Kind
    /// The file involved, or "<memory>".
    public var file: String
    /// The cause in words, usually the codec's own message.
    public var detail: String

    /// Creates an error of `kind` for `file` with a cause.
    public init(_ kind: Kind, file: String, _ detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    /// "file: kind: detail".
    public var description: String { "\(file): \(kind.rawValue): \(detail)" }
}
