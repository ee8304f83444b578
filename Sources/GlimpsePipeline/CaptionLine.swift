// CaptionLine: one line of a run's captions.jsonl, the best caption of one image, or an empty
// one with `out_of_domain: true` when the caption stage judged the image out of its domain.

import GlimpseSerialization

/// One line of `captions.jsonl`.
struct CaptionLine {
    /// The input path.
    var input: String
    /// The output stem.
    var output: String
    /// The best caption ("" when there is none).
    var caption: String
    /// Its log-probability (0 when there is none).
    var logProbability: Float
    /// Whether the caption stage skipped the image as out of its domain (written only when true).
    var outOfDomain = false

    /// The line as a JSON object (written compact with sorted keys).
    var json: JSONValue {
        var members: [JSONMember] = [("input", .string(input)), ("output", .string(output)), ("caption", .string(caption)),
                                     ("logProbability", .float(logProbability))]
        if outOfDomain { members.append(("out_of_domain", .bool(true))) }
        return .object(members)
    }
}
