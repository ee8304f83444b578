// SceneCaptionClaims: what a caption of a generated scene claims that can be checked against the
// scene's facts: the digits it names (with the colour and size bound to each), the counts it
// states and the background it names. `SceneCaptionTruth` checks them.
//
// Read with the grammar's vocabulary (`CaptionGrammar`, in GlimpseDatasets): digits are numerals
// "0"-"9" or the words `CaptionGrammar.numberWords[0...9]`; colours are `ObjectColor`'s raw
// values, sizes `SizeClass`'s, plain backgrounds `PlainBackgroundColor`'s. The caption is lower
// cased and split into runs of letters and digits (punctuation separates, nothing else).
//
// Rules, in the order they are tried at each word:
//  1. a count: NUMBER ["other"] MODIFIER* ("digit" | "digits"), where NUMBER is a number word
//     ("one".."ten"), a numeral, "single" (1) or "no" (0). Without "other" it says how many
//     digits there are with those modifiers ("two digits", "a single digit", "two red digits");
//     with "other" it says how many there are besides the one just named ("and one other
//     digit" = 2 in all; modifiers after "other" are not checked). So "one" in "and one other
//     digit" and "two" in "two digits" are counts, never digits.
//  2. a digit: MODIFIER* DIGIT, the modifiers (colour, size) bound to the digit ("an orange
//     eight", "a small white one"); MODIFIER+ "digit" names a digit of unknown value ("a red
//     digit"). After "the" the mention is definite (it may refer to a digit named before).
//     Every other digit word is a digit: "one" is the digit 1 ("a white one"), as the grammar
//     uses it, never a pronoun. After "largest is" ("the largest is a 7") the mention says it
//     is the largest digit; sizes tell only part of that (see `SceneCaptionTruth`).
//  3. a background, anywhere: "brick"/"bricks", "grass", "gravel"/"pebbles" name the texture;
//     "background"/"backdrop" after a colour name a plain background of that colour ("a plain
//     teal background", "a flat grey backdrop"), after "plain"/"flat" a plain one of any colour.
// Not read: relations and positions ("left of", "in the top right corner"), numerals above 9
// except in counts, and sizes other than `SizeClass`'s words.

import GlimpseDatasets

/// The checkable claims of one caption about a generated scene.
public struct SceneCaptionClaims: Sendable, Equatable {
    /// A digit the caption names, with the colour and size it binds to it.
    public struct Mention: Sendable, Equatable {
        /// The digit, nil for "a red digit".
        public var digit: Int?
        /// The colour said right before it, if any.
        public var color: ObjectColor?
        /// The size said right before it, if any.
        public var size: SizeClass?
        /// Whether it came after "the" (it may be a digit named before).
        public var definite: Bool
        /// Whether it came after "largest is": the caption says it is the largest digit.
        public var isLargest: Bool

        /// Creates a mention.
        public init(digit: Int?, color: ObjectColor? = nil, size: SizeClass? = nil, definite: Bool = false, isLargest: Bool = false) {
            (self.digit, self.color, self.size, self.definite, self.isLargest) = (digit, color, size, definite, isLargest)
        }

        /// Whether `object` is a digit this mention can be about.
        public func matches(_ object: SceneFacts.Object) -> Bool {
            (digit == nil || digit == object.digit) && (color == nil || color == object.color)
                && (size == nil || size == object.size)
        }

        /// "a large red 7", "an 8", "a red digit".
        public var description: String {
            let words = [size?.rawValue, color?.rawValue, digit.map(String.init) ?? "digit"].compactMap { $0 }
            return SceneCaptionClaims.article(before: words[0]) + " " + words.joined(separator: " ")
        }
    }

    /// A count the caption states.
    public struct Count: Sendable, Equatable {
        /// How many digits (matching `color` and `size`, when given) the scene has.
        public var count: Int
        /// A colour the counted digits share ("two red digits"), if any.
        public var color: ObjectColor?
        /// A size the counted digits share, if any.
        public var size: SizeClass?

        /// Creates a count.
        public init(count: Int, color: ObjectColor? = nil, size: SizeClass? = nil) {
            (self.count, self.color, self.size) = (count, color, size)
        }

        /// How many of `objects` are counted.
        public func counted(in objects: [SceneFacts.Object]) -> Int {
            objects.filter { (color == nil || color == $0.color) && (size == nil || size == $0.size) }.count
        }

        /// "3 digits", "1 red digit".
        public var description: String {
            ([String(count)] + [size?.rawValue, color?.rawValue].compactMap { $0 } + [count == 1 ? "digit" : "digits"])
                .joined(separator: " ")
        }
    }

    /// A background the caption names.
    public enum Background: Sendable, Equatable {
        /// A texture, by its `SceneBackgrounds.textureNames` name.
        case texture(String)
        /// A plain background; the colour word said, nil for "a plain background".
        case plain(String?)

        /// Whether the scene's `background` is this one.
        public func matches(_ background: SceneBackgroundKind) -> Bool {
            switch (self, background) {
            case let (.texture(a), .texture(b)): return a == b
            case let (.plain(word), .plain(color)): return word == nil || word == color.rawValue
            default: return false
            }
        }

        /// "grass", "a plain teal background".
        public var description: String {
            switch self {
            case let .texture(name): return name
            case let .plain(word): return "a plain " + (word.map { $0 + " " } ?? "") + "background"
            }
        }
    }

    /// The digits named, in caption order.
    public var mentions: [Mention]
    /// The counts stated, in caption order.
    public var counts: [Count]
    /// The backgrounds named (each once), in caption order.
    public var backgrounds: [Background]

    /// Whether the caption claims anything about the digits (a digit or a count).
    public var namesObjects: Bool { !mentions.isEmpty || !counts.isEmpty }

    /// The words that name each texture (the grammar's BG and BGNOUN phrases).
    public static let textureWords: [String: String] = [
        "brick": "brick", "bricks": "brick", "grass": "grass", "gravel": "gravel", "pebbles": "gravel",
    ]

    /// Reads the claims of `caption`.
    public init(_ caption: String) {
        let words = Self.words(caption)
        (mentions, counts, backgrounds) = ([], [], [])
        var i = 0
        while i < words.count {
            if let (count, next) = Self.count(words, at: i) {
                counts.append(count)
                i = next
                continue
            }
            let (color, size, j) = Self.modifiers(words, from: i)
            let definite = i > 0 && words[i - 1] == "the"
            let start = i > 0 && ["a", "an", "the"].contains(words[i - 1]) ? i - 1 : i
            let largest = start >= 2 && words[start - 2] == "largest" && words[start - 1] == "is"
            if j < words.count, let digit = Self.digit(words[j]) {
                mentions.append(Mention(digit: digit, color: color, size: size, definite: definite, isLargest: largest))
                i = j + 1
            } else if j < words.count, j > i, words[j] == "digit" {
                mentions.append(Mention(digit: nil, color: color, size: size, definite: definite, isLargest: largest))
                i = j + 1
            } else {
                i = max(j, i + 1)
            }
        }
        for (k, word) in words.enumerated() {
            var claim: Background?
            if let texture = Self.textureWords[word] {
                claim = .texture(texture)
            } else if word == "background" || word == "backdrop", k > 0 {
                let before = words[k - 1]
                if ObjectColor(rawValue: before) != nil || PlainBackgroundColor(rawValue: before) != nil {
                    claim = .plain(before)
                } else if before == "plain" || before == "flat" {
                    claim = .plain(nil)
                }
            }
            if let claim, !backgrounds.contains(claim) { backgrounds.append(claim) }
        }
    }

    // MARK: - Vocabulary

    /// The lower-cased runs of letters and digits of `caption`.
    static func words(_ caption: String) -> [String] {
        caption.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// The digit a word names: "7" or "seven".
    static func digit(_ word: String) -> Int? {
        if word.count == 1, let d = Int(word), (0...9).contains(d) { return d }
        return CaptionGrammar.numberWords.prefix(10).firstIndex(of: word)
    }

    /// The number a count word says: a number word, a numeral, "single" (1) or "no" (0).
    static func number(_ word: String) -> Int? {
        if word == "single" { return 1 }
        if word == "no" { return 0 }
        if let n = CaptionGrammar.numberWords.firstIndex(of: word) { return n }
        guard word.allSatisfy({ $0.isASCII && $0.isNumber }), word.count <= 6 else { return nil }
        return Int(word)
    }

    /// The count starting at `words[i]` and the index after it, nil when none starts there.
    static func count(_ words: [String], at i: Int) -> (Count, Int)? {
        guard let n = number(words[i]) else { return nil }
        var j = i + 1
        let other = j < words.count && words[j] == "other"
        if other { j += 1 }
        let (color, size, end) = modifiers(words, from: j)
        j = end
        guard j < words.count, words[j] == "digit" || words[j] == "digits" else { return nil }
        let count = other ? Count(count: n + 1) : Count(count: n, color: color, size: size)
        return (count, j + 1)
    }

    /// The colour and size words from `words[i]` on (the last of each kind wins) and the index
    /// of the first word that is neither.
    static func modifiers(_ words: [String], from i: Int) -> (ObjectColor?, SizeClass?, Int) {
        var color: ObjectColor?, size: SizeClass?
        var j = i
        while j < words.count {
            if let c = ObjectColor(rawValue: words[j]) { color = c } else if let s = SizeClass(rawValue: words[j]) { size = s } else { break }
            j += 1
        }
        return (color, size, j)
    }

    /// "an" before a vowel sound ("an orange", "an 8"), else "a".
    static func article(before word: String) -> String {
        "aeiou".contains(word.first ?? "x") || word == "8" ? "an" : "a"
    }
}
