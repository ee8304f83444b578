// IDX: reader (and a small writer) for the IDX array format used by MNIST and Fashion-MNIST.
//
// Format (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"): a 4-byte magic number
// [0, 0, type, rank], then `rank` big-endian UInt32 dimensions, then the elements in row-major
// order. Type 0x08 is unsigned byte; MNIST images are 0x00000803 ([count, rows, columns]) and
// labels 0x00000801 ([count]). Files may be gzipped; gzip is recognised by its magic bytes 1f 8b,
// never by the file name, so a renamed or already-unpacked file still loads.
//
// Only unsigned-byte data is supported, which is all MNIST-style data sets use. Every failure is
// an `IDXError` naming the file.

import Foundation

/// A failure to read an IDX file, naming the file and the cause.
public struct IDXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Equatable, Sendable {
        /// No file exists at the path.
        case missing
        /// The file exists but could not be read (a directory, no permission, I/O error).
        case unreadable(reason: String)
        /// The (decompressed) file has `size` bytes, fewer than the `needed` bytes of its header.
        case tooShortForHeader(size: Int, needed: Int)
        /// The magic number is not the one expected (`0x000008NN`: type 0x08, rank NN); `expected`
        /// is nil when any IDX magic would do but `found` is not one.
        case wrongMagic(found: UInt32, expected: UInt32?)
        /// A valid IDX data type other than unsigned byte (0x08); `code` is the type byte.
        case unsupportedDataType(code: UInt8)
        /// Fewer data bytes than the declared dimensions need.
        case shortData(dimensions: [Int], expectedBytes: Int, actualBytes: Int)
        /// More data bytes than the declared dimensions need.
        case trailingBytes(dimensions: [Int], expectedBytes: Int, actualBytes: Int)
        /// The declared dimensions multiply to more elements than can be addressed.
        case dimensionsTooLarge(dimensions: [Int])
        /// The file is gzipped and decompression failed (truncated, corrupt, too large).
        case gzip(GzipError.Cause)
        /// The header's dimensions need `bytes` bytes (header included), over the `limit`.
        case tooLarge(dimensions: [Int], bytes: Int, limit: Int)
        /// The gzip stream inflates to more than the `bytes` its header's dimensions imply (a
        /// gzip bomb, or trailing data): refused as soon as the output passes that size.
        case inflatesBeyondHeader(dimensions: [Int], bytes: Int)
    }

    /// The path of the file.
    public var file: String
    /// What went wrong.
    public var cause: Cause

    /// Creates an error for `file` with `cause`.
    public init(file: String, cause: Cause) {
        self.file = file
        self.cause = cause
    }

    /// A one-line message: `IDX: FILE: cause`.
    public var description: String {
        let reason: String
        switch cause {
        case .missing:
            reason = "no such file"
        case .unreadable(let why):
            reason = "cannot be read: \(why)"
        case .tooShortForHeader(let size, let needed):
            reason = "too short for an IDX header: \(size) bytes, the header needs \(needed)"
        case .wrongMagic(let found, let expected):
            reason = "wrong magic number \(IDX.hex(found)), expected "
                + (expected.map(IDX.hex) ?? "an IDX magic 0x0000TTNN (TT: data type, NN: rank)")
        case .unsupportedDataType(let code):
            reason = "unsupported data type 0x\(String(code, radix: 16)) (\(IDX.typeName(code) ?? "unknown")); "
                + "only unsigned byte (0x08) is supported"
        case .shortData(let dims, let expected, let actual):
            reason = "short data: dimensions \(dims) need \(expected) data bytes, the file has \(actual) "
                + "(was it cut short while copying?)"
        case .trailingBytes(let dims, let expected, let actual):
            reason = "\(actual - expected) trailing bytes: dimensions \(dims) need \(expected) data bytes, "
                + "the file has \(actual)"
        case .dimensionsTooLarge(let dims):
            reason = "dimensions \(dims) are too large"
        case .gzip(let gzipCause):
            reason = "gunzip: " + gzipCause.reason
        case .tooLarge(let dims, let bytes, let limit):
            reason = "dimensions \(dims) need \(bytes) bytes, over the limit of \(limit) bytes (not decompressed)"
        case .inflatesBeyondHeader(let dims, let bytes):
            reason = "gunzip: the data inflates beyond the \(bytes) bytes its dimensions \(dims) imply "
                + "(a gzip bomb or trailing data); refused there"
        }
        return "IDX: \(file): \(reason)"
    }
}

/// An unsigned-byte IDX array: its dimensions and its elements in row-major order.
public struct IDXArray: Equatable, Sendable {
    /// The extent of each axis, outermost first (MNIST images: `[count, 28, 28]`).
    public var dimensions: [Int]
    /// The elements in row-major order; `bytes.count == dimensions.reduce(1, *)`.
    public var bytes: [UInt8]

    /// Creates an array from dimensions and row-major bytes.
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) },
                     "IDXArray: dimension out of range in \(dimensions)")
        precondition(bytes.count == dimensions.reduce(1, *),
                     "IDXArray: \(bytes.count) bytes do not fill dimensions \(dimensions)")
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reading and writing IDX files.
public enum IDX {
    /// The magic number of unsigned-byte 3-D arrays (MNIST images `[count, rows, columns]`).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// The magic number of unsigned-byte 1-D arrays (MNIST labels `[count]`).
    public static let labelsMagic: UInt32 = 0x0000_0801
    /// The IDX type code of unsigned bytes.
    public static let unsignedByteType: UInt8 = 0x08
    /// The default limit on a file's decompressed size (1 GiB; MNIST train images are 47 MB).
    public static let defaultMaxBytes = 1 << 30

    /// Reads an unsigned-byte IDX file, plain or gzipped.
    ///
    /// - Parameters:
    ///   - path: the file to read.
    ///   - expectedMagic: the magic number the file must have (`imagesMagic`, `labelsMagic`), or
    ///     nil to accept any unsigned-byte IDX array.
    ///   - maxBytes: the largest decompressed size accepted.
    /// - Throws: `IDXError` naming `path` for every way the file can be missing or malformed.
    public static func read(
        path: String, expectedMagic: UInt32? = nil, maxBytes: Int = defaultMaxBytes
    ) throws(IDXError) -> IDXArray {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IDXError(file: path, cause: .missing)
        }
        guard !isDirectory.boolValue else {
            throw IDXError(file: path, cause: .unreadable(reason: "it is a directory"))
        }
        let raw: [UInt8]
        do {
            raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw IDXError(file: path, cause: .unreadable(reason: error.localizedDescription))
        }
        return try parse(raw, expectedMagic: expectedMagic, maxBytes: maxBytes, file: path)
    }

    /// Parses the contents of an IDX file held in memory, decompressing it first if it is gzipped.
    ///
    /// - Parameter file: the name used in errors.
    public static func parse(
        _ contents: [UInt8], expectedMagic: UInt32? = nil, maxBytes: Int = defaultMaxBytes, file: String
    ) throws(IDXError) -> IDXArray {
        var bytes = contents
        if Gzip.isGzip(contents) {
            // The header alone (at most 4 + 4 x 255 bytes) is inflated first; the rest only up to
            // the size its dimensions imply, so a small file that inflates to gigabytes is
            // refused after that size, not after `maxBytes` (issue 19: 1.05 GB for 235 KB).
            let longestHeader = 4 + 4 * 255
            var limit = maxBytes
            var implied: (dimensions: [Int], bytes: Int)?
            let head: [UInt8]
            do throws(GzipError) {
                head = try Gzip.prefix(contents, count: longestHeader, file: file)
            } catch {
                throw IDXError(file: file, cause: .gzip(error.cause))
            }
            if head.count >= 4, head.count >= 4 + 4 * Int(head[3]) {
                let (dimensions, headerSize, dataBytes) = try header(head, expectedMagic: expectedMagic, file: file)
                let (total, overflow) = headerSize.addingReportingOverflow(dataBytes)
                guard !overflow, total <= maxBytes else {
                    throw IDXError(file: file, cause: .tooLarge(dimensions: dimensions, bytes: overflow ? Int.max : total, limit: maxBytes))
                }
                limit = total
                implied = (dimensions, total)
            }
            do throws(GzipError) {
                bytes = try Gzip.decompress(contents, maxOutputSize: limit, file: file)
            } catch {
                if case .outputTooLarge = error.cause, let implied {
                    throw IDXError(file: file, cause: .inflatesBeyondHeader(dimensions: implied.dimensions, bytes: implied.bytes))
                }
                throw IDXError(file: file, cause: .gzip(error.cause))
            }
        }

        let (dimensions, headerSize, expectedBytes) = try header(bytes, expectedMagic: expectedMagic, file: file)
        let actualBytes = bytes.count - headerSize
        if actualBytes < expectedBytes {
            throw IDXError(file: file, cause: .shortData(
                dimensions: dimensions, expectedBytes: expectedBytes, actualBytes: actualBytes))
        }
        if actualBytes > expectedBytes {
            throw IDXError(file: file, cause: .trailingBytes(
                dimensions: dimensions, expectedBytes: expectedBytes, actualBytes: actualBytes))
        }
        bytes.removeSubrange(0..<headerSize)
        return IDXArray(dimensions: dimensions, bytes: bytes)
    }

    /// The dimensions, header size and data size that the header at the start of `bytes` declares.
    private static func header(
        _ bytes: [UInt8], expectedMagic: UInt32?, file: String
    ) throws(IDXError) -> (dimensions: [Int], headerSize: Int, dataBytes: Int) {
        guard bytes.count >= 4 else {
            throw IDXError(file: file, cause: .tooShortForHeader(size: bytes.count, needed: 4))
        }
        let magic = readUInt32(bytes, at: 0)
        let typeCode = bytes[2]
        let rank = Int(bytes[3])
        guard bytes[0] == 0, bytes[1] == 0, typeName(typeCode) != nil else {
            throw IDXError(file: file, cause: .wrongMagic(found: magic, expected: expectedMagic))
        }
        guard typeCode == unsignedByteType else {
            throw IDXError(file: file, cause: .unsupportedDataType(code: typeCode))
        }
        if let expectedMagic, magic != expectedMagic {
            throw IDXError(file: file, cause: .wrongMagic(found: magic, expected: expectedMagic))
        }

        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw IDXError(file: file, cause: .tooShortForHeader(size: bytes.count, needed: headerSize))
        }
        let dimensions = (0..<rank).map { Int(readUInt32(bytes, at: 4 + 4 * $0)) }
        var expectedBytes = 1
        for extent in dimensions {
            let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw IDXError(file: file, cause: .dimensionsTooLarge(dimensions: dimensions)) }
            expectedBytes = product
        }
        return (dimensions, headerSize, expectedBytes)
    }

    /// Encodes an unsigned-byte array as IDX file contents (uncompressed; wrap in
    /// `Gzip.compress` for a `.gz` file).
    public static func encode(_ array: IDXArray) -> [UInt8] {
        precondition(array.dimensions.count <= 255, "IDX.encode: rank \(array.dimensions.count) is over 255")
        var out: [UInt8] = [0, 0, unsignedByteType, UInt8(array.dimensions.count)]
        out.reserveCapacity(4 + 4 * array.dimensions.count + array.bytes.count)
        for extent in array.dimensions {
            let value = UInt32(extent)
            out += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
        }
        out += array.bytes
        return out
    }

    /// The name of an IDX type code, or nil if the code is not one the format defines.
    static func typeName(_ code: UInt8) -> String? {
        switch code {
        case 0x08: return "unsigned byte"
        case 0x09: return "signed byte"
        case 0x0B: return "short"
        case 0x0C: return "int"
        case 0x0D: return "float"
        case 0x0E: return "double"
        default: return nil
        }
    }

    /// A magic number written as `0x00000803`.
    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The big-endian UInt32 at `offset`.
    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
