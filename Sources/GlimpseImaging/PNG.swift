// PNG: decoding and encoding through libpng 1.6, the only file that imports CPNG.
//
// libpng's failures come back through the shim's setjmp wrappers (Sources/CPNG/shim.h) as a
// status and a message, which become ImagingError values here; a corrupt file never reaches
// libpng's default handler. Decoding reads the header first and checks the pixel budget
// before the pixel buffer is allocated. Spec: PNG (Third Edition), W3C.

import CPNG

/// PNG decoding and encoding.
public enum PNG {
    /// Facts from the IHDR, PLTE and tRNS chunks.
    public struct Header: Sendable, Equatable {
        /// Columns.
        public var width: Int
        /// Rows.
        public var height: Int
        /// Bits per sample: 1, 2, 4, 8 or 16.
        public var bitDepth: Int
        /// PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
        public var colorType: Int
        /// Adam7 interlacing.
        public var interlaced: Bool
        /// Whether a tRNS chunk adds transparency.
        public var hasTransparency: Bool
        /// The palette (colour type 3), RGB triples.
        public var palette: [[UInt8]]

        /// Channels after decoding to 8-bit: gray 1, RGB 3, RGBA 4 (alpha or tRNS makes 4).
        public var decodedChannels: Int {
            switch colorType {
            case 0: return hasTransparency ? 4 : 1
            case 4, 6: return 4
            default: return hasTransparency ? 4 : 3
            }
        }

        /// Channels stored in the file.
        public var fileChannels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType] ?? 0 }

        /// The colour model in words.
        public var colorModel: String {
            [0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"][colorType] ?? "unknown"
        }
    }

    /// Reads the header; throws when the bytes are not a readable PNG.
    public static func header(_ data: [UInt8], file: String = "<memory>") throws -> Header {
        try withReader(data, file: file) { reader in try header(of: reader) }
    }

    /// Decodes to 8-bit gray, RGB or RGBA (16-bit scaled, palette expanded, tRNS to alpha,
    /// gray with alpha to RGBA).
    public static func decode(_ data: [UInt8], file: String = "<memory>",
                              options: DecodeOptions = DecodeOptions()) throws -> Image {
        try withReader(data, file: file) { reader in
            let header = try header(of: reader)
            try checkPixelBudget(width: header.width, height: header.height, budget: options.pixelBudget, file: file)
            let channels = header.decodedChannels
            let pixels = try readPixels(reader, indices: false, width: header.width, height: header.height,
                                        channels: channels, file: file)
            return Image(width: header.width, height: header.height, channels: channels, pixels: pixels)
        }
    }

    /// Decodes a palette PNG's raw indices (for VOC masks the indices are class ids) and
    /// returns them with the file's palette.
    public static func decodeIndices(_ data: [UInt8], file: String = "<memory>",
                                     options: DecodeOptions = DecodeOptions()) throws -> (LabelMap, Palette) {
        try withReader(data, file: file) { reader in
            let header = try header(of: reader)
            guard header.colorType == 3 || (header.colorType == 0 && header.bitDepth <= 8) else {
                throw ImagingError(.unsupported, file: file,
                                   "a label map needs a palette or 8-bit gray PNG, not \(header.colorModel) \(header.bitDepth)-bit")
            }
            try checkPixelBudget(width: header.width, height: header.height, budget: options.pixelBudget, file: file)
            let ids = try readPixels(reader, indices: true, width: header.width, height: header.height,
                                     channels: 1, file: file)
            return (LabelMap(width: header.width, height: header.height, ids: ids), Palette(colors: header.palette))
        }
    }

    /// Encodes an 8-bit gray, RGB or RGBA image.
    public static func encode(_ image: Image, file: String = "<memory>") throws -> [UInt8] {
        let colorType = [1: PNG_COLOR_TYPE_GRAY, 3: PNG_COLOR_TYPE_RGB, 4: PNG_COLOR_TYPE_RGB_ALPHA][image.channels]!
        return try write(image.pixels, width: image.width, height: image.height, colorType: colorType,
                         channels: image.channels, palette: [], file: file)
    }

    /// Encodes a label map as a palette PNG whose indices are the class ids.
    public static func encode(_ labels: LabelMap, palette: Palette = .voc, file: String = "<memory>") throws -> [UInt8] {
        precondition(!palette.colors.isEmpty, "PNG.encode: empty palette")
        return try write(labels.ids, width: labels.width, height: labels.height, colorType: PNG_COLOR_TYPE_PALETTE,
                         channels: 1, palette: palette.colors.flatMap { $0 }, file: file)
    }

    // MARK: - Implementation

    private static func withReader<R>(_ data: [UInt8], file: String,
                                      _ body: (UnsafeMutablePointer<glimpse_png_reader>) throws -> R) throws -> R {
        if data.isEmpty { throw ImagingError(.empty, file: file, "the file has no bytes") }
        guard ImageFormat.detect(data) == .png else {
            throw ImagingError(.unknownFormat, file: file, "no PNG signature")
        }
        let reader = UnsafeMutablePointer<glimpse_png_reader>.allocate(capacity: 1)
        reader.initialize(to: glimpse_png_reader())
        defer {
            glimpse_png_destroy_reader(reader)
            reader.deallocate()
        }
        return try data.withUnsafeBufferPointer { bytes in
            if glimpse_png_read_header(reader, bytes.baseAddress, bytes.count) != 0 {
                throw failure(reader, file: file)
            }
            return try body(reader)
        }
    }

    private static func header(of reader: UnsafeMutablePointer<glimpse_png_reader>) throws -> Header {
        let png = reader.pointee.png, info = reader.pointee.info
        var palette = [[UInt8]]()
        var colors: png_colorp?
        var count: Int32 = 0
        if png_get_PLTE(png, info, &colors, &count) != 0, let colors {
            palette = (0..<Int(count)).map { [colors[$0].red, colors[$0].green, colors[$0].blue] }
        }
        return Header(width: Int(png_get_image_width(png, info)), height: Int(png_get_image_height(png, info)),
                      bitDepth: Int(png_get_bit_depth(png, info)), colorType: Int(png_get_color_type(png, info)),
                      interlaced: png_get_interlace_type(png, info) != PNG_INTERLACE_NONE,
                      hasTransparency: png_get_valid(png, info, PNG_INFO_tRNS) != 0, palette: palette)
    }

    private static func readPixels(_ reader: UnsafeMutablePointer<glimpse_png_reader>, indices: Bool,
                                   width: Int, height: Int, channels: Int, file: String) throws -> [UInt8] {
        let stride = width * channels
        var pixels = [UInt8](repeating: 0, count: stride * height)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            glimpse_png_read_pixels(reader, indices ? 1 : 0, Int32(channels), out.baseAddress, stride, out.count)
        }
        if status != 0 { throw failure(reader, file: file) }
        return pixels
    }

    private static func failure(_ reader: UnsafeMutablePointer<glimpse_png_reader>, file: String) -> ImagingError {
        let message = withUnsafeBytes(of: reader.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if reader.pointee.truncated != 0 { return ImagingError(.truncated, file: file, message) }
        let lower = message.lowercased()
        if lower.contains("not supported") || lower.contains("unsupported") || lower.contains("unknown") {
            return ImagingError(.unsupported, file: file, message)
        }
        if lower.contains("memory") || lower.contains("too large") || lower.contains("exceeds") {
            return ImagingError(.tooLarge, file: file, message)
        }
        return ImagingError(.corrupt, file: file, message)
    }

    private static func write(_ pixels: [UInt8], width: Int, height: Int, colorType: Int32, channels: Int,
                              palette: [UInt8], file: String) throws -> [UInt8] {
        precondition(width > 0 && height > 0, "PNG.encode: empty image \(width)x\(height)")
        var output = glimpse_png_output()
        let status = pixels.withUnsafeBufferPointer { px in
            palette.withUnsafeBufferPointer { pal in
                glimpse_png_write(&output, px.baseAddress, png_uint_32(width), png_uint_32(height), colorType,
                                  Int32(channels), pal.baseAddress, Int32(palette.count / 3))
            }
        }
        defer { free(output.bytes) }
        if status != 0 {
            let message = withUnsafeBytes(of: output.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw ImagingError(.unwritable, file: file, message)
        }
        return Array(UnsafeBufferPointer(start: output.bytes, count: output.size))
    }
}
