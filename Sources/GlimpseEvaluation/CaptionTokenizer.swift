// CaptionTokenizer: what coco-caption's tokenization does to plain English captions, without
// Java.
//
// coco-caption (pycocoevalcap/tokenizer/ptbtokenizer.py) runs Stanford CoreNLP 3.4.1's
// PTBTokenizer with `-preserveLines -lowerCase`, splits its output on spaces and drops the tokens
// of its PUNCTUATIONS list: '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;
// This type reproduces, per whitespace-separated chunk, the PTB rules that matter for captions
// (checked against the real jar by `PTBTokenizerTests` when `java` is installed):
// - lower case (Unicode), curly quotes read as straight ones;
// - split off and dropped: . , ; : ! ? - -- ... and quotes; a run of two or more periods is one
//   "..." when it has three or more, else single periods;
// - split off and KEPT, as PTB + coco-caption keep them: runs of ? and ! longer than one ("??",
//   "?!"), brackets as -lrb- -rrb- -lsb- -rsb- -lcb- -rcb- (PTB writes -LRB-, `-lowerCase` turns
//   it into -lrb-, and the PUNCTUATIONS list is upper case, so coco-caption never drops them),
//   % $ # + = < > * & ^ | ~ \ as their own tokens;
// - clitics: "man's" -> man 's, 're 've 'll 'd 'm, "isn't" -> is n't, "can't" -> ca n't,
//   "won't" -> wo n't; "cannot" -> can not, gonna/wanna/gotta/lemme/gimme -> gon na, ...;
//   a trailing apostrophe after s ("dogs'") is split off (and dropped);
// - split off and kept: a trailing slash ("w/" -> w /), "am"/"pm" glued to a clock time
//   ("10:45am" -> 10:45 am); a double hyphen inside a word is a dash (split, dropped);
// - kept whole: signed numbers (-3, +5), hashtags (#tag; "#1" is # 1), "'n'";
//   hyphenated words (black-and-white), slashes (red/blue), numbers with , . : inside
//   (1,000 2.5 3:30), words with inner periods (u.s. p.m. e.g.), the period after a single letter
//   (an initial: "the letter b." keeps "b.", as PTB does) and after common abbreviations (mr.
//   mrs. dr. st. etc. vs. ...), "'90s", "o'clock".
// Not covered (PTB's full lexer has more): its complete abbreviation lists and sentence-final
// abbreviation handling, URLs, e-mail addresses, emoticons, SGML, fractions and the
// "americanize"/unicode-normalising options, "rock'n'roll"-style words, "'tis"/"'twas", feet and
// inches (6'2" is 6 2 to PTB); a caption using those may tokenize differently from coco-caption's.

/// A Java-free equivalent of coco-caption's PTB tokenization for plain English captions.
public struct CaptionTokenizer: Sendable {
    /// Creates the tokenizer.
    public init() {}

    /// The tokens coco-caption's pipeline (PTBTokenizer, then its punctuation list removed) keeps.
    public func tokenize(_ caption: String) -> [String] {
        var tokens = [String]()
        for chunk in Self.normalized(caption).split(whereSeparator: { $0.isWhitespace }) {
            tokens.append(contentsOf: Self.chunkTokens(String(chunk)))
        }
        return tokens.filter { !Self.dropped.contains($0) }
    }

    /// The tokens dropped after PTB: its PUNCTUATIONS list as it matches lower-cased output.
    static let dropped: Set<String> = ["''", "'", "``", "`", ".", "?", "!", ",", ":", "-", "--", "...", ";"]

    /// Lower case, with curly quotes made straight.
    static func normalized(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased() {
            switch ch {
            case "\u{2018}", "\u{2019}", "\u{201B}": out.append("'")
            case "\u{201C}", "\u{201D}", "\u{201E}": out.append("\"")
            case "\u{2013}", "\u{2014}": out.append("-")  // en/em dashes
            case "\u{2026}": out.append("...")
            default: out.append(ch)
            }
        }
        return out
    }

    /// Abbreviations whose final period PTB keeps (a subset of PTBLexer's lists).
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "mt", "ft", "ave", "rd", "blvd", "etc", "vs", "inc",
        "ltd", "co", "corp", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "gen", "gov", "sen", "rep", "capt", "col", "lt", "sgt",
    ]

    /// Words PTB splits into two tokens.
    static let splitWords: [String: [String]] = [
        "cannot": ["can", "not"], "gonna": ["gon", "na"], "wanna": ["wan", "na"], "gotta": ["got", "ta"],
        "lemme": ["lem", "me"], "gimme": ["gim", "me"],
    ]

    /// Characters that are always tokens of their own.
    static let symbols: Set<Character> = ["%", "$", "#", "+", "=", "<", ">", "*", "&", "^", "|", "~", "\\"]

    /// Bracket tokens as PTB writes them after lower-casing.
    static let brackets: [Character: String] = ["(": "-lrb-", ")": "-rrb-", "[": "-lsb-", "]": "-rsb-", "{": "-lcb-", "}": "-rcb-"]

    /// The PTB tokens of one whitespace-free chunk.
    static func chunkTokens(_ chunk: String) -> [String] {
        if chunk == "'n'" { return [chunk] }  // PTB's one quoted word: "rock 'n' roll"
        var chars = Array(chunk)
        var front = [String](), back = [String]()
        // Peel punctuation off the front.
        while let first = chars.first {
            if first == "\"" { front.append("``"); chars.removeFirst(); continue }
            if first == "`" { front.append("`"); chars.removeFirst(); continue }
            if first == "'" {
                let rest = String(chars)
                if Self.isClitic(rest) || Self.isDecade(rest) { break }
                front.append("`"); chars.removeFirst(); continue
            }
            if let bracket = brackets[first] { front.append(bracket); chars.removeFirst(); continue }
            // A sign before a digit belongs to the number (-3, +5); # before a letter is a hashtag.
            if chars.count > 1, (first == "-" || first == "+") && chars[1].isNumber || first == "#" && chars[1].isLetter { break }
            if symbols.contains(first) || [",", ";", ":"].contains(first) {
                front.append(String(first)); chars.removeFirst(); continue
            }
            if first == "-" || first == "." || first == "?" || first == "!" {
                let run = chars.prefix { $0 == first }.count
                front.append(contentsOf: runTokens(first, count: run)); chars.removeFirst(run); continue
            }
            break
        }
        // Peel punctuation off the back.
        while let last = chars.last {
            if last == "\"" { back.insert("''", at: 0); chars.removeLast(); continue }
            if last == "'" {
                // "dogs'" -> dogs '; a lone closing quote otherwise.
                back.insert("'", at: 0); chars.removeLast(); continue
            }
            if let bracket = brackets[last] { back.insert(bracket, at: 0); chars.removeLast(); continue }
            if symbols.contains(last) || [",", ";", ":", "/"].contains(last) {
                back.insert(String(last), at: 0); chars.removeLast(); continue
            }
            if last == "?" || last == "!" || last == "-" {
                let run = chars.reversed().prefix { last == "-" ? $0 == "-" : ($0 == "?" || $0 == "!") }.count
                let piece = chars.suffix(run)
                back.insert(contentsOf: last == "-" ? runTokens("-", count: run) : [String(piece)], at: 0)
                chars.removeLast(run); continue
            }
            if last == "." {
                let run = chars.reversed().prefix { $0 == "." }.count
                if run == 1 {
                    let stem = String(chars.dropLast())
                    if !stem.isEmpty, keepsPeriod(stem) { break }
                }
                back.insert(contentsOf: runTokens(".", count: run), at: 0); chars.removeLast(run); continue
            }
            break
        }
        return front + middleTokens(String(chars)) + back
    }

    /// Tokens for a run of `count` copies of `mark`: "..." for three or more periods, "--" pairs
    /// for hyphens, one token for ? and ! runs.
    static func runTokens(_ mark: Character, count: Int) -> [String] {
        switch mark {
        case ".": return count >= 3 ? ["..."] : Array(repeating: ".", count: count)
        case "-": return count == 1 ? ["-"] : Array(repeating: "--", count: count / 2) + (count % 2 == 1 ? ["-"] : [])
        default: return [String(repeating: mark, count: count)]
        }
    }

    /// Whether PTB keeps the period after `stem`: an abbreviation with inner periods (u.s, e.g)
    /// or a known one.
    static func keepsPeriod(_ stem: String) -> Bool {
        if stem.contains("."), stem.allSatisfy({ $0.isLetter || $0 == "." }) { return true }
        // A single letter is an initial to PTB ("j." in "j. smith"), even at the end of a line.
        if stem.count == 1, stem.first!.isLetter { return true }
        return abbreviations.contains(stem)
    }

    /// "'s", "'re", ... or "n't" alone.
    static func isClitic(_ text: String) -> Bool {
        ["'s", "'re", "'ve", "'ll", "'d", "'m", "n't"].contains(text)
    }

    /// "'90s", "'60s".
    static func isDecade(_ text: String) -> Bool {
        let chars = Array(text)
        return chars.count == 4 && chars[0] == "'" && chars[1].isNumber && chars[2].isNumber && chars[3] == "s"
    }

    /// The tokens of a chunk's core: inner symbols and punctuation split, then clitics.
    static func middleTokens(_ word: String) -> [String] {
        guard !word.isEmpty else { return [] }
        // A double hyphen inside a word is a dash: "men--one" -> men -- one.
        if let dash = word.range(of: "--") {
            return middleTokens(String(word[..<dash.lowerBound])) + ["--"] + chunkTokens(String(word[dash.upperBound...]))
        }
        let chars = Array(word)
        // A clock time glued to am/pm: "10:45am" -> 10:45 am.
        if chars.count > 2, chars.contains(":"), chars[chars.count - 3].isNumber,
           word.hasSuffix("am") || word.hasSuffix("pm") {
            return [String(chars.dropLast(2)), String(chars.suffix(2))]
        }
        // Inner characters that always split: symbols, brackets, quotes, ; ? !, and , or : unless
        // between digits (1,000 3:30).
        for (i, ch) in chars.enumerated() where i > 0 && i < chars.count - 1 {
            let digitsAround = chars[i - 1].isNumber && chars[i + 1].isNumber
            let splits = symbols.contains(ch) || brackets[ch] != nil || ch == "\"" || ch == ";" || ch == "?" || ch == "!"
                || ((ch == "," || ch == ":") && !digitsAround)
            if splits {
                return middleTokens(String(chars[..<i])) + chunkTokens(String(ch)) + chunkTokens(String(chars[(i + 1)...]))
            }
        }
        if let parts = splitWords[word] { return parts }
        if isClitic(word) || isDecade(word) { return [word] }
        // Clitics come off the end one at a time, so stacked ones split too ("i'd've" -> i 'd 've).
        if word.count > 3, word.hasSuffix("n't") { return middleTokens(String(word.dropLast(3))) + ["n't"] }
        for clitic in ["'s", "'re", "'ve", "'ll", "'d", "'m"] where word.count > clitic.count && word.hasSuffix(clitic) {
            return middleTokens(String(word.dropLast(clitic.count))) + [clitic]
        }
        return [word]
    }
}
