// ImageFormat: which codec a byte string belongs to, judged from its signature.
//
// The file name is never consulted: a PNG named .jpg decodes as PNG, and a text file named
// .png is refused as an unknown format. This is the one place that knows the signatures:
// codecs, the pipeline's decoder stage and folder scans all ask `detect`.

import Foundation

/// The encoded formats Glimpse reads and writes.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    /// PNG (ISO/IEC 15948), signature 89 50 4E 47 0D 0A 1A 0A.
    case png
    /// JPEG (ITU-T T.81 / JFIF / EXIF), starts with SOI FF D8 FF.
    case jpeg

    /// The most leading bytes `detect` looks at (the PNG signature's length).
    public static let signatureLength = 8

    /// The format whose signature starts `bytes`, or nil.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 8 && Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// The format of the file at `path` from its first `signatureLength` bytes alone (nil when
    /// it has no known signature); throws `.unreadable` naming the file when it cannot be opened.
    public static func detect(fileAt path: String) throws -> ImageFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImagingError(.unreadable, file: path, "cannot be opened")
        }
        defer { try? handle.close() }
        do {
            return detect([UInt8](try handle.read(upToCount: signatureLength) ?? Data()))
        } catch {
            throw ImagingError(.unreadable, file: path, "cannot be read: \(error.localizedDescription)")
        }
    }

    /// The format a file name's extension asks for when writing (nil when unknown).
    public static func forWriting(path: String) -> ImageFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".png") { return .png }
        if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { return .jpeg }
        return nil
    }
}

/// Settings for decoding that protect against hostile files and choose transforms.
public struct DecodeOptions: Sendable, Equatable {
    /// The largest width x height accepted, checked from the header before any pixel buffer
    /// is allocated (default 100 megapixels).
    public var pixelBudget: Int
    /// Whether a JPEG's EXIF orientation tag is applied so the image is the right way round.
    public var applyOrientation: Bool
    /// The most scans a progressive JPEG may have (real files have about 10; each scan costs a
    /// pass over the whole image, so thousands are a denial of service).
    public var maxJPEGScans: Int

    /// Creates decode settings.
    public init(pixelBudget: Int = 100_000_000, applyOrientation: Bool = true, maxJPEGScans: Int = 500) {
        self.pixelBudget = pixelBudget
        self.applyOrientation = applyOrientation
        self.maxJPEGScans = maxJPEGScans
    }
}

/// Facts about an encoded image read from its header alone.
public struct ImageInfo: Sendable, Equatable {
    /// The codec.
    public var format: ImageFormat
    /// Width as displayed (after the EXIF orientation, when it swaps axes).
    public var width: Int
    /// Height as displayed.
    public var height: Int
    /// Channels in the file (PNG palette counts 1; JPEG CMYK counts 4).
    public var channels: Int
    /// Bits per sample in the file.
    public var bitDepth: Int
    /// The EXIF orientation tag (1-8), or nil when absent.
    public var orientation: Int?
    /// A short description of the colour model ("RGB", "palette", "gray+alpha", "CMYK", ...).
    public var colorModel: String
    /// Adam7 interlaced PNG or progressive JPEG.
    public var interlaced: Bool

    /// Creates image facts.
    public init(format: ImageFormat, width: Int, height: Int, channels: Int, bitDepth: Int,
                orientation: Int?, colorModel: String, interlaced: Bool) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.orientation = orientation
        self.colorModel = colorModel
        self.interlaced = interlaced
    }
}

/// Refuses a declared size over the budget; called before any pixel buffer exists.
func checkPixelBudget(width: Int, height: Int, budget: Int, file: String) throws {
    if width <= 0 || height <= 0 {
        throw ImagingError(.corrupt, file: file, "declared size \(width)x\(height) is empty")
    }
    if width.multipliedReportingOverflow(by: height).overflow || width * height > budget {
        throw ImagingError(.tooLarge, file: file,
                           "declared size \(width)x\(height) exceeds the pixel budget of \(budget) pixels")
    }
}
