// JSONValue+DatasetError: reading annotation JSON with errors that name the file, line and column.
//
// The parser itself is GlimpseSerialization's `JSONParser`; annotation files keep duplicate keys
// (a lookup takes the first, as COCO readers in Python do) and allow 512 levels of nesting.

import Foundation
import GlimpseSerialization

extension JSONValue {
    /// The parser for annotation files: duplicate keys kept, at most 512 nested arrays and objects.
    static let annotationParser = JSONParser(rejectsDuplicateKeys: false, maximumDepth: 512)

    /// Parses JSON text; throws `.syntax` naming `file` and the line and column.
    public static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> JSONValue {
        do {
            return try annotationParser.parse(bytes)
        } catch {
            let (line, column) = error.location(in: bytes)
            throw DatasetError(.syntax, file: file, "line \(line) column \(column): \(error.message)")
        }
    }

    /// Reads and parses a JSON file.
    public static func read(_ path: String) throws(DatasetError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.unreadable, file: path, "no such file or it cannot be read")
        }
        return try parse([UInt8](data), file: path)
    }
}
