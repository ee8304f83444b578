// OutputJSONFields: typed reads of one JSON object of a pipeline output file, each failure an
// `OutputJSONError` naming the file and the field's path. Absent and null optional fields read
// as nil and unknown keys are ignored, as Codable's synthesized decoding did.

import GlimpseSerialization

/// One JSON object of an output file, with getters that throw `OutputJSONError`.
struct OutputJSONFields {
    /// The object's members.
    let members: [JSONMember]
    /// The file it came from.
    let file: String
    /// The object's path in the file ("" at the top, else e.g. `detections[2]`).
    let path: String

    /// Wraps `value`, which must be an object.
    init(_ value: JSONValue, file: String, path: String = "") throws(OutputJSONError) {
        guard case let .object(members) = value else {
            throw OutputJSONError(file: file, field: path.isEmpty ? nil : path, message: "expected an object, found \(value.typeName)")
        }
        (self.members, self.file, self.path) = (members, file, path)
    }

    /// The path of member `key`.
    func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// An error about the value at `field` (a full path).
    func error(_ field: String, _ message: String) -> OutputJSONError {
        OutputJSONError(file: file, field: field, message: message)
    }

    /// The value of `key`, nil when absent or null.
    func optional(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    /// The value of `key`, which must be present and not null.
    func required(_ key: String) throws(OutputJSONError) -> JSONValue {
        guard let value = optional(key) else { throw error(fieldPath(key), "the field is required") }
        return value
    }

    /// A string field.
    func string(_ key: String) throws(OutputJSONError) -> String {
        try Self.string(try required(key), at: fieldPath(key), in: self)
    }

    /// An integer field.
    func int(_ key: String) throws(OutputJSONError) -> Int {
        try Self.int(try required(key), at: fieldPath(key), in: self)
    }

    /// A single-precision number field.
    func float(_ key: String) throws(OutputJSONError) -> Float {
        try Self.float(try required(key), at: fieldPath(key), in: self)
    }

    /// An optional boolean field (nil when absent or null).
    func optionalBool(_ key: String) throws(OutputJSONError) -> Bool? {
        guard let value = optional(key) else { return nil }
        guard case let .bool(b) = value else { throw error(fieldPath(key), "expected a bool, found \(value.typeName)") }
        return b
    }

    /// An optional array field whose elements `element` reads (given the element and its path).
    func optionalArray<T>(_ key: String, _ element: (JSONValue, String) throws(OutputJSONError) -> T) throws(OutputJSONError) -> [T]? {
        guard let value = optional(key) else { return nil }
        return try array(value, at: fieldPath(key), element)
    }

    /// A required array field whose elements `element` reads.
    func requiredArray<T>(_ key: String, _ element: (JSONValue, String) throws(OutputJSONError) -> T) throws(OutputJSONError) -> [T] {
        try array(try required(key), at: fieldPath(key), element)
    }

    private func array<T>(_ value: JSONValue, at field: String,
                          _ element: (JSONValue, String) throws(OutputJSONError) -> T) throws(OutputJSONError) -> [T] {
        guard case let .array(items) = value else { throw error(field, "expected an array, found \(value.typeName)") }
        var out = [T]()
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { out.append(try element(item, "\(field)[\(i)]")) }
        return out
    }

    /// `value` as a string, else an error naming `field`.
    static func string(_ value: JSONValue, at field: String, in fields: OutputJSONFields) throws(OutputJSONError) -> String {
        guard case let .string(s) = value else { throw fields.error(field, "expected a string, found \(value.typeName)") }
        return s
    }

    /// `value` as an `Int` (a number without fraction that fits), else an error naming `field`.
    static func int(_ value: JSONValue, at field: String, in fields: OutputJSONFields) throws(OutputJSONError) -> Int {
        switch value {
        case let .integer(x): return x
        case let .number(x): if let i = Int(exactly: x) { return i }
        case let .float(x): if let i = Int(exactly: x) { return i }
        default: break
        }
        throw fields.error(field, "expected an integer, found \(value.typeName) \(value.serialized())")
    }

    /// `value` as a `Float`, else an error naming `field`. A parsed number is read from its
    /// shortest decimal text, so a `Float` written as 0.4699895 comes back as the same `Float`.
    static func float(_ value: JSONValue, at field: String, in fields: OutputJSONFields) throws(OutputJSONError) -> Float {
        switch value {
        case let .float(x): return x
        case let .integer(x): return Float(x)
        case let .number(x):
            if let f = Float(x.description), f.isFinite { return f }
            throw fields.error(field, "\(x) does not fit in a Float")
        default: throw fields.error(field, "expected a number, found \(value.typeName)")
        }
    }

    /// `value` as a `Double`, else an error naming `field`.
    static func double(_ value: JSONValue, at field: String, in fields: OutputJSONFields) throws(OutputJSONError) -> Double {
        guard let x = value.doubleValue else { throw fields.error(field, "expected a number, found \(value.typeName)") }
        return x
    }
}
