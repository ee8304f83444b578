// CaptionLine: one line of a run's captions.jsonl, the best caption of one image.

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

    /// The line as a JSON object (written compact with sorted keys).
    var json: JSONValue {
        .object([("input", .string(input)), ("output", .string(output)), ("caption", .string(caption)),
                 ("logProbability", .float(logProbability))])
    }
}
