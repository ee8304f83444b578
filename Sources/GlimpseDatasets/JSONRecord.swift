// JSONRecord: typed field access on one JSON object, throwing errors that name the file, the
// record and the field, so every reader reports malformed input the same way.

import GlimpseSerialization

/// One JSON object of a file (an image, a category, an annotation) with typed field getters.
struct JSONRecord {
    /// The object's pairs.
    let pairs: [JSONMember]
    /// The file it came from.
    let file: String
    /// "annotation 17", "image 3", or "images[4]" before the id is known.
    var record: String?

    /// Wraps `value`, which must be an object; `record` names it for errors.
    init(_ value: JSONValue, file: String, record: String?) throws(DatasetError) {
        guard case let .object(pairs) = value else {
            throw DatasetError(.wrongType, file: file, record: record, "expected an object, found \(value.typeName)")
        }
        self.pairs = pairs
        self.file = file
        self.record = record
    }

    /// The raw value of `key`, nil when absent.
    func value(_ key: String) -> JSONValue? { pairs.first { $0.0 == key }?.1 }

    /// An error about `field` of this record.
    func error(_ kind: DatasetError.Kind, _ field: String, _ detail: String) -> DatasetError {
        DatasetError(kind, file: file, record: record, field: field, detail)
    }

    /// The value of `key`, or `.missingField`.
    func required(_ key: String) throws(DatasetError) -> JSONValue {
        guard let v = value(key) else { throw error(.missingField, key, "the field is required") }
        return v
    }

    /// A number field.
    func double(_ key: String) throws(DatasetError) -> Double {
        let v = try required(key)
        guard let x = v.doubleValue else { throw error(.wrongType, key, "expected a number, found \(v.typeName)") }
        return x
    }

    /// An integer field (a number with no fraction).
    func int(_ key: String) throws(DatasetError) -> Int {
        let x = try double(key)
        guard x == x.rounded(), abs(x) < 9e15 else { throw error(.wrongType, key, "expected an integer, found \(x)") }
        return Int(x)
    }

    /// A string field.
    func string(_ key: String) throws(DatasetError) -> String {
        let v = try required(key)
        guard case let .string(s) = v else { throw error(.wrongType, key, "expected a string, found \(v.typeName)") }
        return s
    }

    /// An array field.
    func array(_ key: String) throws(DatasetError) -> [JSONValue] {
        let v = try required(key)
        guard case let .array(items) = v else { throw error(.wrongType, key, "expected an array, found \(v.typeName)") }
        return items
    }

    /// An array of numbers.
    func numbers(_ key: String) throws(DatasetError) -> [Double] {
        try Self.numbers(try array(key), field: key, record: self)
    }

    /// Numbers from `items`, or `.wrongType` naming `field`.
    static func numbers(_ items: [JSONValue], field: String, record: JSONRecord) throws(DatasetError) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let x = item.doubleValue else {
                throw record.error(.wrongType, "\(field)[\(i)]", "expected a number, found \(item.typeName)")
            }
            out.append(x)
        }
        return out
    }

    /// Top-level array `key` of a file's root object.
    static func rootArray(_ root: JSONValue, _ key: String, file: String) throws(DatasetError) -> [JSONValue] {
        try JSONRecord(root, file: file, record: nil).array(key)
    }
}

extension JSONRecord {
    /// Whether `root` is an object holding `key`.
    static func hasKey(_ root: JSONValue, _ key: String) -> Bool { root[key] != nil }
}
