// CaptionPredictions: the candidate captions of a prediction file, matched to the ground truth.
//
// Two formats, told apart by the first non-blank byte:
// - `[`: COCO caption results, `[{"image_id": 42, "caption": "..."}, ...]`, matched by image id;
// - otherwise a run's `captions.jsonl` (one `{"input", "output", "caption", "logProbability"}`
//   object per line, written by the pipeline's caption stage), matched by the file name of
//   `input` to the ground truth's `file_name` (last path components compared).
// Every problem is an `EvaluationError` naming the file and the entry (line or result index):
// malformed JSON, a missing or mistyped field, an image the ground truth lacks, a second
// prediction for an image, and ground-truth images left without one (a file for another split).

import Foundation
import GlimpseDatasets
import GlimpseSerialization

/// One caption per ground-truth image, read from a prediction file.
public struct CaptionPredictions: Sendable {
    /// The file's format.
    public enum Format: String, Sendable {
        /// A run's captions.jsonl.
        case jsonLines = "captions.jsonl"
        /// COCO caption results JSON.
        case cocoResults = "COCO results"
    }

    /// The format read.
    public var format: Format
    /// The candidate per image, in the ground truth's image order.
    public var candidates: [String]

    /// Reads `path` and matches it to `references` (from `groundTruthFile`).
    public static func read(_ path: String, references: CaptionReferences, groundTruthFile: String)
        throws(EvaluationError) -> CaptionPredictions {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError(.unreadable, file: path, "no such file or it cannot be read")
        }
        return try parse([UInt8](data), file: path, references: references, groundTruthFile: groundTruthFile)
    }

    /// Parses prediction bytes; `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String, references: CaptionReferences, groundTruthFile: String)
        throws(EvaluationError) -> CaptionPredictions {
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let format: Format = first == UInt8(ascii: "[") ? .cocoResults : .jsonLines
        // The entries with their names ("result 3", "line 7"), then one rule per format for which
        // image an entry is about (its id, and how the error messages name it).
        var entries = [(entry: String, item: JSONValue)]()
        let image: (JSONValue, String) throws(EvaluationError) -> (id: Int, name: String)
        if format == .cocoResults {
            guard case let .array(items) = try parseJSON(bytes, file: file, entry: nil) else {
                throw EvaluationError(.syntax, file: file, "not a JSON array")
            }
            entries = items.enumerated().map { ("result \($0.offset)", $0.element) }
            let known = Set(references.imageIDs)
            image = { (item, entry) throws(EvaluationError) in
                guard let number = item["image_id"]?.doubleValue, let id = Int(exactly: number) else {
                    throw EvaluationError(.invalidEntry, file: file, entry: entry, "no integer \"image_id\"")
                }
                guard known.contains(id) else {
                    throw EvaluationError(.mismatch, file: file, entry: entry, "image id \(id) is not in the ground truth "
                                          + "(\(groundTruthFile)): a prediction file for another split?")
                }
                return (id, "image id \(id)")
            }
        } else {
            var lineNumber = 0
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lineNumber += 1
                guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
                entries.append(("line \(lineNumber)", try parseJSON(Array(line), file: file, entry: "line \(lineNumber)")))
            }
            let byName = try namesToIDs(references, groundTruthFile: groundTruthFile)
            image = { (item, entry) throws(EvaluationError) in
                guard case let .string(input)? = item["input"] else {
                    throw EvaluationError(.invalidEntry, file: file, entry: entry, "no string \"input\" (the image's path)")
                }
                let name = lastComponent(input)
                guard let id = byName[name] else {
                    throw EvaluationError(.mismatch, file: file, entry: entry, "file name \(name) is not in the ground truth "
                                          + "(\(groundTruthFile)): a prediction file for another split?")
                }
                return (id, name)
            }
        }
        var found = [Int: (caption: String, entry: String)]()
        for (entry, item) in entries {
            guard case .object = item else {
                throw EvaluationError(.invalidEntry, file: file, entry: entry, "a \(item.typeName), not an object")
            }
            let (id, name) = try image(item, entry)
            let caption = try captionField(item, file: file, entry: entry)
            if let earlier = found[id] {
                throw EvaluationError(.invalidEntry, file: file, entry: entry,
                                      "a second caption for \(name) (the first is \(earlier.entry))")
            }
            found[id] = (caption, entry)
        }
        let missing = zip(references.imageIDs, references.fileNames).filter { found[$0.0] == nil }
        if let example = missing.first {
            throw EvaluationError(.mismatch, file: file,
                                  "\(missing.count) of the \(references.imageIDs.count) ground-truth images (\(groundTruthFile)) "
                                  + "have no prediction, e.g. image \(example.0) (\(example.1)): a prediction file for another split, or an incomplete run?")
        }
        return CaptionPredictions(format: format, candidates: references.imageIDs.map { found[$0]!.caption })
    }

    /// Last path component of each ground-truth file name -> image id; two images with the same
    /// name cannot be told apart by a captions.jsonl line.
    static func namesToIDs(_ references: CaptionReferences, groundTruthFile: String) throws(EvaluationError) -> [String: Int] {
        var byName = [String: Int]()
        for (id, name) in zip(references.imageIDs, references.fileNames) {
            let key = lastComponent(name)
            if let other = byName[key] {
                throw EvaluationError(.mismatch, file: groundTruthFile, entry: "image \(id)",
                                      "file name \(key) is also image \(other)'s, so captions.jsonl lines cannot be matched by name")
            }
            byName[key] = id
        }
        return byName
    }

    /// The string "caption" member of a prediction.
    static func captionField(_ item: JSONValue, file: String, entry: String) throws(EvaluationError) -> String {
        guard case let .string(caption)? = item["caption"] else {
            let what = item["caption"].map { "a \($0.typeName)" } ?? "missing"
            throw EvaluationError(.invalidEntry, file: file, entry: entry, "\"caption\" is \(what), not a string")
        }
        return caption
    }

    /// Parses JSON text; a syntax error names the file, the entry and the line and column.
    static func parseJSON(_ bytes: [UInt8], file: String, entry: String?) throws(EvaluationError) -> JSONValue {
        do {
            return try JSONParser().parse(bytes)
        } catch {
            let (line, column) = error.location(in: bytes)
            let place = entry == nil ? "line \(line) column \(column)" : "column \(column)"
            throw EvaluationError(.syntax, file: file, entry: entry, "\(place): \(error.message)")
        }
    }

    /// The part after the last "/".
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    }
}
