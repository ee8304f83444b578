// Gzip: in-memory gzip decompression and compression over zlib.
//
// This is the only Swift file that imports CZlib; everything else in Glimpse sees a safe Swift
// API over byte arrays. Decompression uses zlib's inflate with windowBits 15 + 16 (gzip wrapper
// only, RFC 1952), reads every member of a multi-member stream (as `gzip -d` does, RFC 1952
// section 2.2), and reports a stream that stops before its end marker as truncated rather than
// returning the partial output. Outputs larger than a caller-given limit are refused, so a small
// hostile file cannot expand into all of memory.

import CZlib

/// A failure to decompress a gzip buffer, naming the file it came from and the cause.
public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Equatable, Sendable {
        /// The buffer does not start with the gzip magic bytes 1f 8b; `found` holds its first bytes.
        case notGzip(found: [UInt8])
        /// The input ended after `inputBytes` bytes before the stream's end marker (`Z_STREAM_END`).
        case truncated(inputBytes: Int)
        /// zlib rejected the data (bad header, bad deflate block, CRC or length mismatch).
        case corrupt(offset: Int, reason: String)
        /// Bytes after the last complete member that are not another gzip member.
        case trailingGarbage(offset: Int, count: Int)
        /// The decompressed data would exceed `limit` bytes.
        case outputTooLarge(limit: Int)
        /// zlib itself failed (out of memory, version mismatch); `code` is zlib's return value.
        case zlibFailure(code: Int32, reason: String)
    }

    /// The file (or other source) the compressed bytes came from.
    public var file: String
    /// What went wrong.
    public var cause: Cause

    /// Creates an error for `file` with `cause`.
    public init(file: String, cause: Cause) {
        self.file = file
        self.cause = cause
    }

    /// A one-line message: `gzip: FILE: cause`.
    public var description: String { "gzip: \(file): \(cause.reason)" }
}

extension GzipError.Cause {
    /// The cause in words, without the file name.
    public var reason: String {
        switch self {
        case .notGzip(let found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "not gzip data: starts with [\(hex)], expected gzip magic [1f 8b]"
        case .truncated(let inputBytes):
            return "truncated: the stream ends after \(inputBytes) bytes without its end marker "
                + "(was the file cut short while copying?)"
        case .corrupt(let offset, let why):
            return "corrupt data near compressed byte \(offset): \(why)"
        case .trailingGarbage(let offset, let count):
            return "\(count) bytes of trailing garbage at offset \(offset) after the last gzip member"
        case .outputTooLarge(let limit):
            return "decompressed size exceeds the limit of \(limit) bytes"
        case .zlibFailure(let code, let why):
            return "zlib failed with code \(code): \(why)"
        }
    }
}

/// Gzip (RFC 1952) compression and decompression of byte buffers in memory.
public enum Gzip {
    /// The two bytes every gzip member starts with.
    public static let magic: [UInt8] = [0x1f, 0x8b]

    /// Whether `bytes` starts with the gzip magic bytes (detection by content, not by file name).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == magic[0] && bytes[1] == magic[1]
    }

    /// Decompresses every member of the gzip stream `data`.
    ///
    /// - Parameters:
    ///   - data: the complete compressed file contents.
    ///   - maxOutputSize: the largest decompressed size accepted, in bytes.
    ///   - file: the name used in errors (a path, or a description such as `"<memory>"`).
    /// - Throws: `GzipError` if the data is not gzip, is truncated or corrupt, has trailing
    ///   garbage after the last member, or decompresses to more than `maxOutputSize` bytes.
    public static func decompress(
        _ data: [UInt8], maxOutputSize: Int, file: String = "<memory>"
    ) throws(GzipError) -> [UInt8] {
        precondition(maxOutputSize >= 0, "Gzip.decompress: negative maxOutputSize \(maxOutputSize)")
        guard isGzip(data) else {
            if data.count < 2 && data.allSatisfy({ $0 == magic[0] }) {
                throw GzipError(file: file, cause: .truncated(inputBytes: data.count))
            }
            throw GzipError(file: file, cause: .notGzip(found: Array(data.prefix(4))))
        }
        // One byte beyond the limit tells "exactly at the limit" apart from "over it".
        let capacityLimit = maxOutputSize == Int.max ? Int.max : maxOutputSize + 1
        var output = [UInt8](repeating: 0, count: min(capacityLimit, initialCapacity(for: data)))
        var produced = 0
        var consumed = 0

        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw GzipError(file: file, cause: .zlibFailure(code: initStatus, reason: "inflateInit2 failed"))
        }
        defer { inflateEnd(&stream) }

        while true {
            if produced == output.count {
                guard output.count < capacityLimit else {
                    throw GzipError(file: file, cause: .outputTooLarge(limit: maxOutputSize))
                }
                let grown = min(capacityLimit, max(output.count * 2, 1 << 16))
                output.append(contentsOf: repeatElement(0, count: grown - output.count))
            }
            // Pointers into the arrays are valid only inside these closures, so they are set
            // afresh for every call to inflate.
            let (status, inUsed, outUsed, message) = data.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    let inAvailable = UInt32(clamping: input.count - consumed)
                    let outAvailable = UInt32(clamping: out.count - produced)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = inAvailable
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = outAvailable
                    let status = inflate(&stream, Z_NO_FLUSH)
                    let message = stream.msg.map { String(cString: $0) } ?? ""
                    stream.next_in = nil
                    stream.next_out = nil
                    return (status, Int(inAvailable - stream.avail_in), Int(outAvailable - stream.avail_out), message)
                }
            }
            consumed += inUsed
            produced += outUsed
            if produced > maxOutputSize {
                throw GzipError(file: file, cause: .outputTooLarge(limit: maxOutputSize))
            }

            switch status {
            case Z_STREAM_END:
                if consumed == data.count {
                    output.removeSubrange(produced...)
                    return output
                }
                // Another member follows (multi-member file), or garbage does.
                let rest = data.count - consumed
                guard rest >= 2, data[consumed] == magic[0], data[consumed + 1] == magic[1] else {
                    if rest == 1 && data[consumed] == magic[0] {
                        throw GzipError(file: file, cause: .truncated(inputBytes: data.count))
                    }
                    throw GzipError(file: file, cause: .trailingGarbage(offset: consumed, count: rest))
                }
                let resetStatus = inflateReset(&stream)
                guard resetStatus == Z_OK else {
                    throw GzipError(file: file, cause: .zlibFailure(code: resetStatus, reason: "inflateReset failed"))
                }
            case Z_OK, Z_BUF_ERROR:
                // No end marker yet. If all input is used and there is still room for output,
                // zlib is waiting for bytes that do not exist: the file is truncated.
                if consumed == data.count && produced < output.count {
                    throw GzipError(file: file, cause: .truncated(inputBytes: data.count))
                }
            case Z_DATA_ERROR:
                throw GzipError(file: file, cause: .corrupt(offset: consumed, reason: message.isEmpty ? "invalid data" : message))
            case Z_NEED_DICT:
                throw GzipError(file: file, cause: .corrupt(offset: consumed, reason: "stream needs a preset dictionary"))
            case Z_MEM_ERROR:
                throw GzipError(file: file, cause: .zlibFailure(code: status, reason: "out of memory"))
            default:
                throw GzipError(file: file, cause: .zlibFailure(code: status, reason: message.isEmpty ? "inflate failed" : message))
            }
        }
    }

    /// The first `count` decompressed bytes of the gzip stream `data` (fewer when its first
    /// member is shorter or is cut short), inflating nothing beyond them: lets a reader check a
    /// header before deciding how much output to accept.
    /// - Throws: `GzipError` if the data is not gzip or is corrupt within those bytes.
    public static func prefix(_ data: [UInt8], count: Int, file: String = "<memory>") throws(GzipError) -> [UInt8] {
        precondition(count >= 0, "Gzip.prefix: negative count \(count)")
        guard isGzip(data) else { throw GzipError(file: file, cause: .notGzip(found: Array(data.prefix(4)))) }
        var output = [UInt8](repeating: 0, count: count)
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw GzipError(file: file, cause: .zlibFailure(code: initStatus, reason: "inflateInit2 failed"))
        }
        defer { inflateEnd(&stream) }
        let (status, produced, consumed, message) = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
                stream.avail_in = UInt32(clamping: input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(clamping: out.count)
                // Z_SYNC_FLUSH: hand over everything inflated so far, then stop at a full buffer.
                let status = inflate(&stream, Z_SYNC_FLUSH)
                let message = stream.msg.map { String(cString: $0) } ?? ""
                let result = (status, out.count - Int(stream.avail_out), input.count - Int(stream.avail_in), message)
                stream.next_in = nil
                stream.next_out = nil
                return result
            }
        }
        switch status {
        case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
            output.removeSubrange(produced...)
            return output
        case Z_DATA_ERROR:
            throw GzipError(file: file, cause: .corrupt(offset: consumed, reason: message.isEmpty ? "invalid data" : message))
        case Z_NEED_DICT:
            throw GzipError(file: file, cause: .corrupt(offset: consumed, reason: "stream needs a preset dictionary"))
        default:
            throw GzipError(file: file, cause: .zlibFailure(code: status, reason: message.isEmpty ? "inflate failed" : message))
        }
    }

    /// Compresses `data` into a single gzip member.
    ///
    /// - Parameter level: zlib compression level, 0 (store) to 9 (smallest); 6 is zlib's default.
    public static func compress(_ data: [UInt8], level: Int = 6) -> [UInt8] {
        precondition((0...9).contains(level), "Gzip.compress: level \(level) is not in 0...9")
        precondition(data.count <= Int(UInt32.max), "Gzip.compress: input of \(data.count) bytes is over 4 GiB")
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                       ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "Gzip.compress: deflateInit2 failed with code \(initStatus)")
        defer { deflateEnd(&stream) }

        // deflateBound (called after deflateInit2, so it counts the gzip header and trailer) is an
        // upper bound, so a single deflate call with Z_FINISH completes the stream.
        let bound = Int(deflateBound(&stream, UInt(data.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let (status, written) = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }  // nil only when empty
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress!
                stream.avail_out = UInt32(clamping: out.count)
                let status = deflate(&stream, Z_FINISH)
                stream.next_in = nil
                stream.next_out = nil
                return (status, out.count - Int(stream.avail_out))
            }
        }
        precondition(status == Z_STREAM_END, "Gzip.compress: deflate returned \(status) within deflateBound")
        output.removeSubrange(written...)
        return output
    }

    /// A first guess at the output size: the ISIZE trailer of the last member (the uncompressed
    /// length modulo 2^32), capped by deflate's maximum ratio so a forged trailer cannot force a
    /// huge allocation.
    private static func initialCapacity(for data: [UInt8]) -> Int {
        let minimum = 1 << 12
        guard data.count >= 18 else { return minimum }
        let n = data.count
        let isize = Int(data[n - 4]) | Int(data[n - 3]) << 8 | Int(data[n - 2]) << 16 | Int(data[n - 1]) << 24
        let plausible = min(isize, data.count.multipliedReportingOverflow(by: 1032).partialValue)
        // + 1 so that an exact guess leaves room for inflate to report the end of the stream.
        return max(minimum, plausible + 1)
    }
}
