// LedgerEntry+JSON: one ledger line to and from `JSONValue`. The line is compact with sorted
// keys and `resumed`, `error` and `out_of_domain` left out when nil, the bytes the earlier
// Codable writer made.

import GlimpseSerialization

extension LedgerEntry {
    /// The entry as a JSON object; `error`, `resumed` and `out_of_domain` only when set.
    public var json: JSONValue {
        var members: [JSONMember] = [("path", .string(path)), ("output", .string(output)), ("hash", .string(hash)),
                                     ("pipeline", .string(pipeline)), ("status", .string(status.rawValue))]
        if let error { members.append(("error", .string(error))) }
        members.append(("timings", .object(timings.map { ($0.key, .number($0.value)) })))
        if let resumed { members.append(("resumed", .bool(resumed))) }
        if let outOfDomain { members.append(("out_of_domain", .bool(outOfDomain))) }
        return .object(members)
    }

    /// Reads an entry written by `json`; errors name `file` and the field.
    public init(json: JSONValue, file: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file)
        let statusName = try fields.string("status")
        guard let status = Status(rawValue: statusName) else {
            throw fields.error("status", "unknown status \"\(statusName)\"")
        }
        guard case let .object(timingMembers) = try fields.required("timings") else {
            throw fields.error("timings", "expected an object")
        }
        var timings = [String: Double]()
        for member in timingMembers {
            timings[member.key] = try OutputJSONFields.double(member.value, at: "timings." + member.key, in: fields)
        }
        let resumed = try fields.optionalBool("resumed")
        let outOfDomain = try fields.optionalBool("out_of_domain")
        self.init(path: try fields.string("path"), output: try fields.string("output"), hash: try fields.string("hash"),
                  pipeline: try fields.string("pipeline"), status: status,
                  error: try fields.optional("error").map { (v) throws(OutputJSONError) in try OutputJSONFields.string(v, at: "error", in: fields) },
                  timings: timings, resumed: resumed, outOfDomain: outOfDomain)
    }
}
