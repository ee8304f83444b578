// ImageFileDecoder: the decoder stage over GlimpseImaging's PNG (libpng) and JPEG (libjpeg)
// codecs; the format is told by the file's signature, never by its name.

import GlimpseImaging
import GlimpseStages

/// Decodes PNG and JPEG bytes, refusing images over a pixel budget before allocating them.
public struct ImageFileDecoder: ImageDecoder {
    /// `"image-file"`.
    public static let conformanceName = "image-file"

    /// Size limit and orientation handling.
    public let options: DecodeOptions

    /// Creates the decoder.
    public init(options: DecodeOptions = DecodeOptions()) {
        self.options = options
    }

    /// True for a PNG or JPEG signature.
    public func recognises(_ bytes: [UInt8]) -> Bool {
        ImageFormat.detect(bytes) != nil
    }

    /// The decoded image; throws `ImagingError` naming `file` (corrupt, truncated, too large, ...).
    public func decode(_ bytes: [UInt8], file: String) throws -> Image {
        try ImageFile.decode(bytes, file: file, options: options)
    }

    /// The registry entry: `pixel_budget` (largest width x height) and `orientation` (apply EXIF).
    public static let registryEntry = Conformance(
        kind: .decoder, name: conformanceName, summary: "PNG and JPEG through libpng and libjpeg, told apart by content",
        parameters: [
            ParameterSpec("pixel_budget", .int, default: .int(100_000_000), help: "largest width x height decoded"),
            ParameterSpec("orientation", .bool, default: .bool(true), help: "apply a JPEG's EXIF orientation"),
        ]
    ) { parameters in
        let budget = parameters.int("pixel_budget", default: 100_000_000)
        guard budget > 0 else { throw StageError(file: parameters.file, problem: "decoder.pixel_budget must be positive") }
        return .decoder(ImageFileDecoder(options: DecodeOptions(
            pixelBudget: budget, applyOrientation: parameters.bool("orientation", default: true))))
    }
}
