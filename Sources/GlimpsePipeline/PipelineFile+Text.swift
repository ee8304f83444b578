// PipelineFile+Text: a pipeline file's bytes -> its text. YAML 1.2 allows a byte-order mark at
// the start of a stream (section 5.2), so one is dropped; bytes that are not UTF-8 (a file saved
// as Latin-1) are refused naming the byte offset and line, instead of being decoded to U+FFFD
// and silently changing a weights path or a label.

import Foundation
import GlimpseSerialization

extension PipelineFile {
    /// The UTF-8 byte-order mark.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// `data` as text, without a leading byte-order mark; `file` names it in errors.
    /// - Throws: `PipelineFileError` at the first byte that is not part of valid UTF-8.
    static func text(of data: [UInt8], file: String) throws -> String {
        let bytes = data.starts(with: byteOrderMark) ? Array(data.dropFirst(byteOrderMark.count)) : data
        guard let offset = firstInvalidUTF8Byte(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        let line = 1 + bytes[..<offset].lazy.filter { $0 == 0x0A }.count
        let shown = data.count - bytes.count + offset
        throw PipelineFileError(file: file, problems: [PipelineProblem(
            line: line, key: "-", message: "not valid UTF-8 at byte offset \(shown) (0x\(String(format: "%02X", bytes[offset]))); "
                + "save the file as UTF-8")])
    }
}
