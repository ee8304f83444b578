// ImageResult+JSON: one image's results to and from `JSONValue`, the per-image STEM.json.
// Members are named as the fields (the writer sorts them), absent optionals are left out, and
// Floats stay single precision, so the file's bytes are those the earlier Codable writer made.
// Reading back (a resumed run rebuilds the run-wide files from these) throws `OutputJSONError`
// naming the file and field.

import Foundation
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages

extension ClassScore {
    /// The score as a JSON object: `classIndex`, `label`, `probability`.
    public var json: JSONValue {
        .object([("classIndex", .integer(classIndex)), ("label", .string(label)), ("probability", .float(probability))])
    }

    /// Reads a score written by `json`; `path` locates it in `file` for errors.
    init(json: JSONValue, file: String, path: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file, path: path)
        self.init(classIndex: try fields.int("classIndex"), label: try fields.string("label"),
                  probability: try fields.float("probability"))
    }
}

extension Caption {
    /// The caption as a JSON object: `logProbability`, `text`.
    public var json: JSONValue {
        .object([("logProbability", .float(logProbability)), ("text", .string(text))])
    }

    /// Reads a caption written by `json`; `path` locates it in `file` for errors.
    init(json: JSONValue, file: String, path: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file, path: path)
        self.init(text: try fields.string("text"), logProbability: try fields.float("logProbability"))
    }
}

extension BoxRecord {
    /// The box as a JSON object: corners, `label`, `category`, `score`, and `landmarks` as
    /// `[[x, y], ...]` when the detector gives them.
    public var json: JSONValue {
        var members: [JSONMember] = [("x0", .float(x0)), ("y0", .float(y0)), ("x1", .float(x1)), ("y1", .float(y1)),
                                     ("label", .integer(label)), ("category", .string(category)), ("score", .float(score))]
        if let landmarks { members.append(("landmarks", .array(landmarks.map { .array([.float($0.x), .float($0.y)]) }))) }
        return .object(members)
    }

    /// Reads a box written by `json`; `path` locates it in `file` for errors.
    public init(json: JSONValue, file: String, path: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file, path: path)
        let box = BoundingBox(x0: try fields.float("x0"), y0: try fields.float("y0"), x1: try fields.float("x1"),
                              y1: try fields.float("y1"), label: try fields.int("label"), score: 0)
        let landmarks = try fields.optionalArray("landmarks") { (v, p) throws(OutputJSONError) -> Landmark in
            guard case .array(let xy) = v, xy.count == 2 else { throw fields.error(p, "expected [x, y]") }
            return Landmark(x: try OutputJSONFields.float(xy[0], at: p + "[0]", in: fields),
                            y: try OutputJSONFields.float(xy[1], at: p + "[1]", in: fields))
        }
        self.init(box, category: try fields.string("category"), score: try fields.float("score"), landmarks: landmarks)
    }
}

extension SegmentationRecord {
    /// The segmentation as a JSON object: `labelMap`, `classes`, `ids`.
    public var json: JSONValue {
        .object([("labelMap", .string(labelMap)), ("classes", .array(classes.map { .string($0) })),
                 ("ids", .array(ids.map { .integer($0) }))])
    }

    /// Reads a segmentation written by `json`; `path` locates it in `file` for errors.
    public init(json: JSONValue, file: String, path: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file, path: path)
        labelMap = try fields.string("labelMap")
        classes = try fields.requiredArray("classes") { (v, p) throws(OutputJSONError) in try OutputJSONFields.string(v, at: p, in: fields) }
        ids = try fields.requiredArray("ids") { (v, p) throws(OutputJSONError) in try OutputJSONFields.int(v, at: p, in: fields) }
    }
}

extension OutOfDomainRecord {
    /// The record as a JSON object: `stage` (the stage kind), `distance`, `threshold`.
    public var json: JSONValue {
        .object([("stage", .string(stage.rawValue)), ("distance", .float(distance)), ("threshold", .float(threshold))])
    }

    /// Reads a record written by `json`; `path` locates it in `file` for errors.
    public init(json: JSONValue, file: String, path: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file, path: path)
        let name = try fields.string("stage")
        guard let stage = StageKind(rawValue: name) else { throw fields.error(fields.fieldPath("stage"), "unknown stage \"\(name)\"") }
        self.init(stage: stage, distance: try fields.float("distance"), threshold: try fields.float("threshold"))
    }
}

extension ImageResult {
    /// The result as a JSON object: `input`, `width`, `height` and each optional field present;
    /// `out_of_domain: true` and the `domain` records when a stage skipped the image.
    public var json: JSONValue {
        var members: [JSONMember] = [("input", .string(input)), ("width", .integer(width)), ("height", .integer(height))]
        if let classes { members.append(("classes", .array(classes.map(\.json)))) }
        if let features { members.append(("features", .array(features.map { .float($0) }))) }
        if let proposals { members.append(("proposals", .array(proposals.map(\.json)))) }
        if let detections { members.append(("detections", .array(detections.map(\.json)))) }
        if let segmentation { members.append(("segmentation", segmentation.json)) }
        if let captions { members.append(("captions", .array(captions.map(\.json)))) }
        if let outOfDomain {
            members.append(("out_of_domain", .bool(true)))
            members.append(("domain", .array(outOfDomain.map(\.json))))
        }
        return .object(members)
    }

    /// The per-image file's text: `json` pretty-printed with sorted keys, as `JSONEncoder` did.
    public var fileText: String { json.encoderText(pretty: true) }

    /// Reads a result written by `json`; errors name `file` and the field.
    public init(json: JSONValue, file: String) throws(OutputJSONError) {
        let fields = try OutputJSONFields(json, file: file)
        self.init(input: try fields.string("input"), width: try fields.int("width"), height: try fields.int("height"))
        classes = try fields.optionalArray("classes") { (v, p) throws(OutputJSONError) in try ClassScore(json: v, file: file, path: p) }
        features = try fields.optionalArray("features") { (v, p) throws(OutputJSONError) in try OutputJSONFields.float(v, at: p, in: fields) }
        proposals = try fields.optionalArray("proposals") { (v, p) throws(OutputJSONError) in try BoxRecord(json: v, file: file, path: p) }
        detections = try fields.optionalArray("detections") { (v, p) throws(OutputJSONError) in try BoxRecord(json: v, file: file, path: p) }
        segmentation = try fields.optional("segmentation").map { (v) throws(OutputJSONError) in
            try SegmentationRecord(json: v, file: file, path: "segmentation")
        }
        captions = try fields.optionalArray("captions") { (v, p) throws(OutputJSONError) in try Caption(json: v, file: file, path: p) }
        outOfDomain = try fields.optionalArray("domain") { (v, p) throws(OutputJSONError) in
            try OutOfDomainRecord(json: v, file: file, path: p)
        }
        // `out_of_domain` repeats whether `domain` is there, for readers that want one flag
        let flag = try fields.optionalBool("out_of_domain") ?? false
        guard flag == (outOfDomain != nil) else {
            throw fields.error("out_of_domain", flag ? "true but there is no \"domain\" list" : "not true but there is a \"domain\" list")
        }
    }

    /// Reads a per-image JSON file; errors (unreadable, not JSON, a bad field) name `url`'s path.
    public static func read(_ url: URL) throws(OutputJSONError) -> ImageResult {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw OutputJSONError(file: url.path, field: nil, message: "no such file or it cannot be read")
        }
        let bytes = [UInt8](data)
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            let (line, column) = error.location(in: bytes)
            throw OutputJSONError(file: url.path, field: nil, message: "line \(line) column \(column): \(error.message)")
        }
        return try ImageResult(json: value, file: url.path)
    }
}
