// ImageDecoder: the pipeline's first stage, bytes of a file -> an 8-bit image.

import GlimpseImaging

/// Decodes image files. Conformances recognise their formats by content, never by extension.
public protocol ImageDecoder: Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// Whether `bytes` (the file's first bytes, at least 16 when the file has them) look like a
    /// format this decoder reads.
    func recognises(_ bytes: [UInt8]) -> Bool

    /// Decodes a whole file's bytes; throws a typed error naming `file` and the cause
    /// (corrupt, truncated, too large, unsupported).
    func decode(_ bytes: [UInt8], file: String) throws -> Image
}
