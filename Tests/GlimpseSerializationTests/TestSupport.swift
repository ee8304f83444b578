// TestSupport: helpers shared by the safetensors tests.

import Foundation
import GlimpseSerialization

/// Safetensors bytes from a header text and a data buffer, with the length prefix filled in.
func safetensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    safetensorsBytes(headerBytes: Array(header.utf8), data: data)
}

/// Safetensors bytes from raw header bytes (possibly not UTF-8) and a data buffer.
func safetensorsBytes(headerBytes: [UInt8], data: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + headerBytes + data
}

/// The error loading `bytes` throws, or nil if it loads.
func loadError(_ bytes: [UInt8]) -> SafetensorsError? {
    do {
        _ = try SafetensorsFile(bytes: bytes)
        return nil
    } catch let error as SafetensorsError {
        return error
    } catch {
        return nil
    }
}

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("glimpse-ser-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Bytes from a base64 literal (golden files embedded in tests).
func base64Bytes(_ text: String) -> [UInt8] {
    Array(Data(base64Encoded: text)!)
}
