// JPEG: decoding and encoding through libjpeg-turbo, the only file that imports CJPEG.
//
// libjpeg's `error_exit` is replaced in Sources/CJPEG/shim.h by one that longjmps back into
// the shim's C wrapper, which returns a status; warnings (corrupt entropy data, premature
// end of file) are recorded and refused here, so a damaged file is an ImagingError, never a
// grey-filled image or an exit(). The decoder runs with libjpeg's defaults (islow DCT, fancy
// upsampling), the same as `djpeg`, so the pixels match djpeg's exactly.
// Spec: ITU-T T.81; EXIF 2.32 for the APP1 orientation tag.

import CJPEG

/// JPEG decoding and encoding.
public enum JPEG {
    /// Facts from the frame header and the APP markers.
    public struct Header: Sendable, Equatable {
        /// Columns as stored (before orientation).
        public var width: Int
        /// Rows as stored.
        public var height: Int
        /// Components in the file: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK.
        public var components: Int
        /// The colour model in words ("gray", "YCbCr", "RGB", "CMYK", "YCCK").
        public var colorModel: String
        /// Progressive (SOF2) rather than sequential.
        public var progressive: Bool
        /// The EXIF orientation tag (1-8), nil when absent.
        public var orientation: Int?
    }

    /// Reads the header without decoding pixels.
    public static func header(_ data: [UInt8], file: String = "<memory>") throws -> Header {
        try withReader(data, file: file) { reader in header(of: reader) }
    }

    /// Decodes to 8-bit gray (grayscale files) or RGB (YCbCr, RGB, CMYK, YCCK files), with
    /// the EXIF orientation applied unless `options.applyOrientation` is false.
    public static func decode(_ data: [UInt8], file: String = "<memory>",
                              options: DecodeOptions = DecodeOptions()) throws -> Image {
        let (image, orientation): (Image, Int?) = try withReader(data, file: file) { reader in
            let header = header(of: reader)
            try checkPixelBudget(width: header.width, height: header.height, budget: options.pixelBudget, file: file)
            let outSpace: J_COLOR_SPACE
            let outChannels: Int
            switch header.components {
            case 1: (outSpace, outChannels) = (JCS_GRAYSCALE, 1)
            case 3: (outSpace, outChannels) = (JCS_RGB, 3)
            case 4: (outSpace, outChannels) = (JCS_CMYK, 4)
            default:
                throw ImagingError(.unsupported, file: file, "\(header.components) colour components")
            }
            reader.pointee.max_scans = Int32(clamping: options.maxJPEGScans)
            let stride = header.width * outChannels
            var pixels = [UInt8](repeating: 0, count: stride * header.height)
            let status = pixels.withUnsafeMutableBufferPointer { out in
                glimpse_jpeg_read_pixels(reader, outSpace, out.baseAddress, UInt(stride), UInt(out.count))
            }
            if status != 0 || reader.pointee.error.warnings > 0 { throw failure(reader, file: file) }
            if outChannels == 4 {
                let inverted = reader.pointee.cinfo.saw_Adobe_marker != 0
                return (Image(width: header.width, height: header.height, channels: 3,
                              pixels: cmykToRGB(pixels, adobeInverted: inverted)), header.orientation)
            }
            return (Image(width: header.width, height: header.height, channels: outChannels, pixels: pixels),
                    header.orientation)
        }
        guard options.applyOrientation, let orientation else { return image }
        return image.orientedUpright(exif: orientation)
    }

    /// Encodes an 8-bit gray or RGB image (alpha is dropped) at a quality from 1 to 100.
    public static func encode(_ image: Image, quality: Int = 90, progressive: Bool = false,
                              file: String = "<memory>") throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG.encode: quality \(quality) outside 1...100")
        precondition(image.width > 0 && image.height > 0, "JPEG.encode: empty image")
        let source = image.channels == 4 ? image.droppingAlpha() : image
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        let status = source.pixels.withUnsafeBufferPointer { px in
            glimpse_jpeg_compress(px.baseAddress, UInt32(source.width), UInt32(source.height), Int32(source.channels),
                                  Int32(quality), progressive ? 1 : 0, 0, &out, &size, &message)
        }
        defer { free(out) }
        if status != 0 || out == nil {
            throw ImagingError(.unwritable, file: file, String(cString: message))
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }

    /// Encodes Adobe-convention (inverted) CMYK bytes `[H, W, 4]` as a CMYK or YCCK JPEG;
    /// for making test files of the kinds `decode` must convert.
    static func encodeCMYK(_ pixels: [UInt8], width: Int, height: Int, ycck: Bool, quality: Int = 95) throws -> [UInt8] {
        precondition(pixels.count == width * height * 4, "encodeCMYK: need [H, W, 4] bytes")
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        let status = pixels.withUnsafeBufferPointer { px in
            glimpse_jpeg_compress(px.baseAddress, UInt32(width), UInt32(height), 4, Int32(quality), 0, ycck ? 1 : 0,
                                  &out, &size, &message)
        }
        defer { free(out) }
        if status != 0 || out == nil { throw ImagingError(.unwritable, file: "<memory>", String(cString: message)) }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }

    // MARK: - Implementation

    private static func withReader<R>(_ data: [UInt8], file: String,
                                      _ body: (UnsafeMutablePointer<glimpse_jpeg_reader>) throws -> R) throws -> R {
        if data.isEmpty { throw ImagingError(.empty, file: file, "the file has no bytes") }
        guard ImageFormat.detect(data) == .jpeg else {
            throw ImagingError(.unknownFormat, file: file, "no JPEG SOI marker")
        }
        let reader = UnsafeMutablePointer<glimpse_jpeg_reader>.allocate(capacity: 1)
        reader.initialize(to: glimpse_jpeg_reader())
        defer {
            glimpse_jpeg_destroy_reader(reader)
            reader.deallocate()
        }
        return try data.withUnsafeBufferPointer { bytes in
            if glimpse_jpeg_read_header(reader, bytes.baseAddress, UInt(bytes.count)) != 0 {
                throw failure(reader, file: file)
            }
            if reader.pointee.error.saw_eof != 0 { throw failure(reader, file: file) }
            return try body(reader)
        }
    }

    private static func header(of reader: UnsafeMutablePointer<glimpse_jpeg_reader>) -> Header {
        let info = reader.pointee.cinfo
        let model: String
        switch info.jpeg_color_space {
        case JCS_GRAYSCALE: model = "gray"
        case JCS_YCbCr: model = "YCbCr"
        case JCS_RGB: model = "RGB"
        case JCS_CMYK: model = "CMYK"
        case JCS_YCCK: model = "YCCK"
        default: model = "unknown"
        }
        var orientation: Int?
        var marker = info.marker_list
        while let m = marker {
            if m.pointee.marker == JPEG_APP0 + 1, let bytes = m.pointee.data {
                let payload = Array(UnsafeBufferPointer(start: bytes, count: Int(m.pointee.data_length)))
                if let value = EXIF.orientation(app1: payload) { orientation = value; break }
            }
            marker = m.pointee.next
        }
        return Header(width: Int(info.image_width), height: Int(info.image_height),
                      components: Int(info.num_components), colorModel: model,
                      progressive: info.progressive_mode != 0, orientation: orientation)
    }

    private static func failure(_ reader: UnsafeMutablePointer<glimpse_jpeg_reader>, file: String) -> ImagingError {
        let error = reader.pointee.error
        let message = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let code = error.error_code
        if error.saw_eof != 0 || code == Int32(JERR_INPUT_EOF.rawValue) {
            return ImagingError(.truncated, file: file, message.isEmpty ? "premature end of JPEG file" : message)
        }
        switch code {
        case -2:  // the shim's scan limit
            return ImagingError(.tooLarge, file: file, message)
        case Int32(JERR_IMAGE_TOO_BIG.rawValue), Int32(JERR_OUT_OF_MEMORY.rawValue):
            return ImagingError(.tooLarge, file: file, message)
        case Int32(JERR_BAD_PRECISION.rawValue), Int32(JERR_CONVERSION_NOTIMPL.rawValue),
             Int32(JERR_NOT_COMPILED.rawValue), Int32(JERR_SOF_UNSUPPORTED.rawValue):
            return ImagingError(.unsupported, file: file, message)
        default:
            return ImagingError(.corrupt, file: file, message)
        }
    }

    /// Naive CMYK to RGB: R = (255 - C)(255 - K) / 255; Adobe files store every ink inverted.
    static func cmykToRGB(_ cmyk: [UInt8], adobeInverted: Bool) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            var k = Int(cmyk[4 * i + 3])
            if !adobeInverted { k = 255 - k }
            for c in 0..<3 {
                var v = Int(cmyk[4 * i + c])
                if !adobeInverted { v = 255 - v }
                rgb[3 * i + c] = UInt8((v * k + 127) / 255)
            }
        }
        return rgb
    }
}
