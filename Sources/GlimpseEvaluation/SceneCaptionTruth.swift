// SceneCaptionTruth: whether a caption is true of a generated scene: every digit, colour, size,
// count and background it names is right. N-gram metrics (BLEU, CIDEr-D) reward a caption that
// shares words with the references even when it names a digit the image lacks; this is the
// check that it does not.
//
// The claims are read by `SceneCaptionClaims` (its file comment has the rules); a caption is
// true when all of these hold, and every one that fails is a reason:
//  - every digit named is in the scene ("names a 4 the scene lacks");
//  - with its colour and size, when said ("names a red 7 but the scene's 7 is blue");
//  - each digit named with "a"/"an" (or no article) is a different digit of the scene, so "a 7
//    and a 7" needs two 7s; one named with "the" may be one named before;
//  - every count is the number of digits (with the count's colour and size, when said);
//  - every background named is the scene's;
//  - a digit said to be the largest ("the largest is a 7") is large when the scene has a large
//    digit (the largest digit then is large; with only small digits sizes cannot tell);
//  - and the caption names at least one digit or one count: a caption that says nothing about
//    the digits ("on grass", "", "a picture") is not true vacuously, it is false with the
//    reason "names no digit and no count".
// Relations and positions ("left of", "above", "in the top left corner") are not checked, nor
// which of two large digits is the largest: the issue asks for every named digit, colour and count to be right, and the
// grammar's relation words depend on box geometry that instances.json only approximates.

import GlimpseDatasets

/// Judges captions of generated scenes against the scenes' facts.
public enum SceneCaptionTruth {
    /// The kinds of untrue claim.
    public enum FailureKind: String, Sendable, CaseIterable, Comparable {
        /// A digit the scene does not have.
        case digit = "wrong digit"
        /// A digit the scene has, in a colour it does not have.
        case color = "wrong colour"
        /// A digit the scene has, in a size it does not have.
        case size = "wrong size"
        /// The same digit named more often than the scene has it.
        case repeatedDigit = "digit named too often"
        /// A count that is not the number of digits.
        case count = "wrong count"
        /// A small digit said to be the largest when the scene has a large one.
        case largest = "wrong largest"
        /// A background that is not the scene's.
        case background = "wrong background"
        /// No digit and no count named: nothing to be true about.
        case nothingCheckable = "nothing checkable"

        /// Declaration order.
        public static func < (a: FailureKind, b: FailureKind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// One untrue claim.
    public struct Failure: Sendable, Equatable {
        /// Its kind.
        public var kind: FailureKind
        /// The reason in words, e.g. "names a 4 the scene lacks".
        public var reason: String
    }

    /// The judgement of one caption.
    public struct Verdict: Sendable, Equatable {
        /// Every untrue claim; empty when the caption is true.
        public var failures: [Failure]

        /// Whether the caption is true of the scene.
        public var isTrue: Bool { failures.isEmpty }
        /// The reasons it is not: digits (in caption order), repeats, counts, then backgrounds.
        public var reasons: [String] { failures.map(\.reason) }
        /// The kinds of failure, each once, in declaration order.
        public var kinds: [FailureKind] { Set(failures.map(\.kind)).sorted() }
    }

    /// Judges `caption` against the scene `facts`.
    public static func judge(_ caption: String, facts: SceneFacts) -> Verdict {
        judge(SceneCaptionClaims(caption), facts: facts)
    }

    /// Judges already read `claims` against the scene `facts`.
    public static func judge(_ claims: SceneCaptionClaims, facts: SceneFacts) -> Verdict {
        let objects = facts.objects
        var failures = [Failure]()
        if !claims.namesObjects {
            failures.append(Failure(kind: .nothingCheckable, reason: "names no digit and no count"))
        }
        var distinct = [SceneCaptionClaims.Mention]()  // indefinite mentions that each match some digit
        for mention in claims.mentions {
            if let failure = mismatch(mention, objects) {
                failures.append(failure)
                continue
            }
            if mention.isLargest, objects.contains(where: { $0.size == .large }),
               !objects.contains(where: { $0.size == .large && mention.matches($0) }) {
                failures.append(Failure(kind: .largest, reason: "says the largest is \(mention.description), a small digit, "
                                        + "while the scene has a large one"))
            }
            if !mention.definite {
                distinct.append(mention)
            }
        }
        var reported = [SceneCaptionClaims.Mention]()
        for mention in unmatched(distinct, objects) where !reported.contains(mention) {
            reported.append(mention)
            let named = distinct.filter { $0 == mention }.count, present = objects.filter(mention.matches).count
            let what = mention.description.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            failures.append(Failure(kind: .repeatedDigit, reason: named > present
                ? "names \(named) \(what)s, the scene has \(present)"
                : "names \(mention.description) once too often (the scene has \(present))"))
        }
        for count in claims.counts where count.counted(in: objects) != count.count {
            let has = count.counted(in: objects)
            failures.append(Failure(kind: .count, reason: "says \(count.description), the scene has \(has)"))
        }
        for background in claims.backgrounds where !background.matches(facts.background) {
            failures.append(Failure(kind: .background,
                                    reason: "says \(background.description), the background is \(facts.background.name)"))
        }
        return Verdict(failures: failures)
    }

    /// Why no digit of `objects` fits `mention`, nil when one does.
    static func mismatch(_ mention: SceneCaptionClaims.Mention, _ objects: [SceneFacts.Object]) -> Failure? {
        if objects.contains(where: mention.matches) { return nil }
        guard let digit = mention.digit else {
            // "a red digit", "a small digit": the scene has no digit of that colour (or size).
            let kind: FailureKind = mention.color != nil && !objects.contains { $0.color == mention.color } ? .color : .size
            return Failure(kind: kind, reason: "names \(mention.description) the scene lacks")
        }
        let sameDigit = objects.filter { $0.digit == digit }
        guard !sameDigit.isEmpty else {
            return Failure(kind: .digit, reason: "names \(SceneCaptionClaims.Mention(digit: digit, definite: false).description) the scene lacks")
        }
        let colorFits = mention.color == nil || sameDigit.contains { $0.color == mention.color }
        let those = sameDigit.map { [$0.size.rawValue, $0.color.rawValue].joined(separator: " ") }
        let theScenes = sameDigit.count == 1 ? "the scene's \(digit) is \(those[0])"
            : "the scene's \(digit)s are " + those.joined(separator: ", ")
        return Failure(kind: colorFits ? .size : .color, reason: "names \(mention.description) but \(theScenes)")
    }

    /// The mentions left without a digit of their own when each takes a different digit of
    /// `objects` (a maximum bipartite matching by augmenting paths; a few mentions and digits).
    static func unmatched(_ mentions: [SceneCaptionClaims.Mention], _ objects: [SceneFacts.Object]) -> [SceneCaptionClaims.Mention] {
        var owner = [Int?](repeating: nil, count: objects.count)  // object -> mention
        func place(_ m: Int, _ seen: inout [Bool]) -> Bool {
            for o in objects.indices where !seen[o] && mentions[m].matches(objects[o]) {
                seen[o] = true
                if owner[o] == nil || place(owner[o]!, &seen) {
                    owner[o] = m
                    return true
                }
            }
            return false
        }
        var left = [SceneCaptionClaims.Mention]()
        for m in mentions.indices {
            var seen = [Bool](repeating: false, count: objects.count)
            if !place(m, &seen) { left.append(mentions[m]) }
        }
        return left
    }
}
