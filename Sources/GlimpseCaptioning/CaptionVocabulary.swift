// CaptionVocabulary: the words a captioner knows, built from its training captions, and the
// tokenizer that turns a caption into their ids. Both travel in the weights file's metadata
// (`vocabulary.*`, `tokenizer.*`), so a weights file is all a caption stage needs.
//
// Tokenizer (neuraltalk2's rules, punctuation kept as tokens so captions read like the
// references): lower case; every character that is not a letter, a digit or an apostrophe
// splits words, and the punctuation among them (, : ; . ! ? -) becomes a token of its own;
// other symbols and whitespace only split. Letters outside ASCII are kept (a word is a word in
// any script); a word the vocabulary lacks reads as `<unk>`.
//
// Vocabulary: ids 0..3 are `<pad>`, `<s>`, `</s>`, `<unk>`; then every token seen at least
// `minimumCount` times in the training captions, most frequent first (ties alphabetical), so
// the same captions always give the same ids.
//
// Text: `text(of:)` joins tokens with spaces and attaches punctuation to the word before it,
// which gives back a grammar caption exactly.

import Foundation
import GlimpseStages

/// Token ids for caption words, and the tokenizer that produces them.
public struct CaptionVocabulary: Sendable, Equatable {
    /// Padding (never predicted; its embedding row gets no gradient).
    public static let pad = "<pad>"
    /// Starts every sentence.
    public static let start = "<s>"
    /// Ends every sentence.
    public static let end = "</s>"
    /// Stands for every word the vocabulary lacks.
    public static let unknown = "<unk>"
    /// The four special tokens, ids 0...3.
    public static let specials = [pad, start, end, unknown]
    /// The punctuation marks that become tokens.
    public static let punctuation: Set<Character> = [",", ":", ";", ".", "!", "?", "-"]

    /// The tokens by id (the specials first).
    public let words: [String]
    /// The least count a training word needed to be kept.
    public let minimumCount: Int
    /// Token -> id.
    private let ids: [String: Int]

    /// Id of `<pad>`.
    public var padID: Int { 0 }
    /// Id of `<s>`.
    public var startID: Int { 1 }
    /// Id of `</s>`.
    public var endID: Int { 2 }
    /// Id of `<unk>`.
    public var unknownID: Int { 3 }
    /// The number of ids.
    public var count: Int { words.count }

    /// A vocabulary with `words` (which must start with the four specials) by id.
    public init(words: [String], minimumCount: Int) {
        precondition(Array(words.prefix(4)) == Self.specials, "CaptionVocabulary: ids 0...3 must be \(Self.specials)")
        precondition(Set(words).count == words.count, "CaptionVocabulary: repeated tokens")
        self.words = words
        self.minimumCount = minimumCount
        ids = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
    }

    /// Builds the vocabulary of `captions`: every token seen at least `minimumCount` times.
    public init(captions: some Sequence<String>, minimumCount: Int) {
        precondition(minimumCount >= 1, "CaptionVocabulary: minimum count \(minimumCount) must be >= 1")
        var counts = [String: Int]()
        for caption in captions {
            for token in Self.tokenize(caption) { counts[token, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= minimumCount && !Self.specials.contains($0.key) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        self.init(words: Self.specials + kept, minimumCount: minimumCount)
    }

    /// The tokens of `caption` (see the file comment); empty for a caption with no words.
    public static func tokenize(_ caption: String) -> [String] {
        var tokens = [String](), word = ""
        for ch in caption.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "'" {
                word.append(ch)
                continue
            }
            if !word.isEmpty { tokens.append(word); word = "" }
            if punctuation.contains(ch) { tokens.append(String(ch)) }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }

    /// The id of `token` (`<unk>`'s when unknown).
    public func id(_ token: String) -> Int { ids[token] ?? unknownID }

    /// The ids of `caption`'s tokens, at most `maxTokens` of them (the rest cut off), without `<s>` and `</s>`.
    public func encode(_ caption: String, maxTokens: Int = .max) -> [Int] {
        Self.tokenize(caption).prefix(maxTokens).map(id)
    }

    /// The caption of `tokens` (stopping at `</s>`, skipping `<s>` and `<pad>`): words joined by
    /// spaces, punctuation attached to the word before it.
    public func text(of tokens: [Int]) -> String {
        var out = ""
        for token in tokens {
            precondition(token >= 0 && token < words.count, "CaptionVocabulary: id \(token) outside 0..<\(words.count)")
            if token == endID { break }
            if token == startID || token == padID { continue }
            let word = words[token]
            if out.isEmpty || (word.count == 1 && word != "-" && Self.punctuation.contains(word.first!)) {
                out += word
            } else {
                out += " " + word
            }
        }
        return out
    }

    // MARK: - Weights-file metadata

    /// The metadata keys a weights file stores the vocabulary and tokenizer under.
    public var metadata: [String: String] {
        ["vocabulary.words": words.joined(separator: " "), "vocabulary.size": String(count),
         "vocabulary.min_count": String(minimumCount),
         "tokenizer": "lowercase; letters, digits and apostrophes make words; , : ; . ! ? - are tokens; other characters split"]
    }

    /// Reads the vocabulary written by `metadata`; throws `StageError` naming `file` when it is missing or malformed.
    public init(metadata: [String: String], file: String) throws {
        guard let list = metadata["vocabulary.words"] else { throw StageError(file: file, problem: "no vocabulary.words in the metadata") }
        let words = list.split(separator: " ").map(String.init)
        guard Array(words.prefix(4)) == Self.specials else {
            throw StageError(file: file, problem: "vocabulary.words must start with \(Self.specials.joined(separator: " "))")
        }
        guard Set(words).count == words.count else { throw StageError(file: file, problem: "vocabulary.words repeats a token") }
        if let size = metadata["vocabulary.size"], Int(size) != words.count {
            throw StageError(file: file, problem: "vocabulary.size is \(size) but vocabulary.words has \(words.count) tokens")
        }
        self.init(words: words, minimumCount: Int(metadata["vocabulary.min_count"] ?? "1") ?? 1)
    }
}
