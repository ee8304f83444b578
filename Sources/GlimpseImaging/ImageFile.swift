// ImageFile: reading and writing image files, with the format told by the bytes.
//
// Writes are atomic, through GlimpseFiles' `AtomicFile`: a reader never sees half a file and a
// crash never leaves one behind under the real name.

import Foundation
import GlimpseFiles

/// Reads, inspects and writes PNG and JPEG files.
public enum ImageFile {
    /// The largest image file read (1 GiB; a 100-megapixel RGBA PNG stored without compression
    /// is 400 MB).
    public static let maxFileBytes = 1 << 30

    /// The bytes of a regular file; throws `.unreadable` naming the file and the system's reason
    /// ("Permission denied"), or `.tooLarge` over `maxFileBytes`. The opened descriptor is
    /// checked, so a FIFO or device swapped in after an input scan is refused, not read.
    public static func bytes(of path: String) throws -> [UInt8] {
        do {
            return try RegularFile.read(path, maxBytes: maxFileBytes)
        } catch {
            if case .tooLarge = error.cause { throw ImagingError(.tooLarge, file: path, error.reason) }
            throw ImagingError(.unreadable, file: path, error.reason)
        }
    }

    /// Decodes a PNG or JPEG file to 8-bit gray, RGB or RGBA.
    public static func read(_ path: String, options: DecodeOptions = DecodeOptions()) throws -> Image {
        try decode(bytes(of: path), file: path, options: options)
    }

    /// Decodes PNG or JPEG bytes, the format detected from the signature.
    public static func decode(_ data: [UInt8], file: String = "<memory>",
                              options: DecodeOptions = DecodeOptions()) throws -> Image {
        switch try format(of: data, file: file) {
        case .png: return try PNG.decode(data, file: file, options: options)
        case .jpeg: return try JPEG.decode(data, file: file, options: options)
        }
    }

    /// Reads a label map from a palette (or 8-bit gray) PNG: indices are class ids.
    public static func readLabelMap(_ path: String, options: DecodeOptions = DecodeOptions()) throws -> LabelMap {
        try PNG.decodeIndices(bytes(of: path), file: path, options: options).0
    }

    /// Header facts for a file, without decoding its pixels.
    public static func info(_ path: String) throws -> ImageInfo {
        try info(bytes(of: path), file: path)
    }

    /// Header facts for encoded bytes.
    public static func info(_ data: [UInt8], file: String = "<memory>") throws -> ImageInfo {
        switch try format(of: data, file: file) {
        case .png:
            let h = try PNG.header(data, file: file)
            return ImageInfo(format: .png, width: h.width, height: h.height, channels: h.fileChannels,
                             bitDepth: h.bitDepth, orientation: nil, colorModel: h.colorModel, interlaced: h.interlaced)
        case .jpeg:
            let h = try JPEG.header(data, file: file)
            let swaps = (h.orientation ?? 1) >= 5
            return ImageInfo(format: .jpeg, width: swaps ? h.height : h.width, height: swaps ? h.width : h.height,
                             channels: h.components, bitDepth: 8, orientation: h.orientation,
                             colorModel: h.colorModel, interlaced: h.progressive)
        }
    }

    /// Encodes and writes an image atomically; the format comes from `format` or else the
    /// extension (.png, .jpg, .jpeg). JPEG drops alpha.
    public static func write(_ image: Image, to path: String, format: ImageFormat? = nil, quality: Int = 90) throws {
        guard let chosen = format ?? ImageFormat.forWriting(path: path) else {
            throw ImagingError(.unwritable, file: path, "cannot tell the format from the name; use .png, .jpg or .jpeg")
        }
        let data: [UInt8]
        switch chosen {
        case .png: data = try PNG.encode(image, file: path)
        case .jpeg: data = try JPEG.encode(image, quality: quality, file: path)
        }
        try writeAtomically(data, to: path)
    }

    /// Writes a label map as a palette PNG atomically.
    public static func write(_ labels: LabelMap, palette: Palette = .voc, to path: String) throws {
        try writeAtomically(PNG.encode(labels, palette: palette, file: path), to: path)
    }

    /// Writes encoded bytes through `AtomicFile` (temporary file, fsync, rename); throws
    /// `.unwritable` naming `path`.
    private static func writeAtomically(_ data: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch let error as AtomicFileError {
            throw ImagingError(.unwritable, file: path, "\(error.operation): \(String(cString: strerror(error.code)))")
        }
    }

    private static func format(of data: [UInt8], file: String) throws -> ImageFormat {
        if data.isEmpty { throw ImagingError(.empty, file: file, "the file has no bytes") }
        guard let format = ImageFormat.detect(data) else {
            throw ImagingError(.unknownFormat, file: file, "neither a PNG nor a JPEG signature")
        }
        return format
    }
}
