// CaptionEvaluation+JSON: the report `glimpse eval captions --json` writes: the set's figures,
// the warnings, and every image's scores.

import GlimpseSerialization

extension CaptionEvaluation {
    /// The report as JSON: `scores` (BLEU-1..4, ROUGE-L, CIDEr-D), `warnings`, `images` (one
    /// object per image with its candidate, tokens and scores), plus `context` members first.
    public func json(context: [JSONMember] = [], fileNames: [String]? = nil) -> JSONValue {
        let scores = zip(Self.metricNames, figures).map { JSONMember(key: $0, value: .number($1)) }
        let perImage = images.enumerated().map { index, image -> JSONValue in
            var members: [JSONMember] = [("image_id", .integer(image.imageID))]
            if let fileNames { members.append(("file_name", .string(fileNames[index]))) }
            members += [("candidate", .string(image.candidate)),
                        ("tokens", .string(image.candidateTokens.joined(separator: " "))),
                        ("references", .integer(image.referenceCount))]
            let values = image.bleu + [image.rougeL, image.ciderD]
            members += zip(Self.metricNames, values).map { JSONMember(key: $0, value: .number($1)) }
            return .object(members)
        }
        return .object(context + [
            ("image_count", .integer(images.count)),
            ("scores", .object(scores)),
            ("candidate_length", .integer(candidateLength)),
            ("reference_length", .integer(referenceLength)),
            ("warnings", .array(warnings.map { .string($0) })),
            ("images", .array(perImage)),
        ])
    }
}
