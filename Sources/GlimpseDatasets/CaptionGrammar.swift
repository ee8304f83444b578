// CaptionGrammar: the reference captions of generated scenes, from a small grammar over the
// scene's ground truth (digits, colours, sizes, positions, background). Every caption is true
// of its image; they differ in wording, order and detail, the way several human annotators do.
//
// Grammar (terminals in quotes, | = random choice, [x] = optional, detail chosen per caption):
//
//   caption   := list | relation | count | thereis | bgfirst | focus      (one of each form,
//                                                    shuffled; at least 5 distinct kept)
//   list      := NP ("," NP)* "and" NP  BG            objects in left-to-right, largest-first
//                                                    or painting order
//   relation  := NP REL NP ["," "with" NP...] BG      (one digit: NP POS BG)
//   count     := COUNT "digits" BG ":" NPbare...      ("a single digit" for one)
//   thereis   := "there is" NPfull BG | "there are" COUNT "digits" BG "," "the largest is" NP
//   bgfirst   := BGNOUN "with" NP... "on it" | "a picture of" BGNOUN "showing" NP...
//   focus     := NPfull BG ["and" COUNT "other digit(s)"]
//   NP        := ART [SIZE] [COLOUR] DIGIT          detail: full, colour, size or bare
//   DIGIT     := "7" | "seven"                      numeral or word
//   ART       := "a" | "an"                         "an" before a vowel sound ("an orange 8")
//   REL       := "to the left of" | "left of" | "to the right of" | "right of" | "above" |
//                "over" | "below" | "under" | "beneath" | "next to" | "beside"
//                (horizontal words when the centres differ more in x than in y, vertical
//                otherwise; "next to"/"beside" only when the boxes are within size/8 of each other)
//   POS       := "in the top left corner" | "at the top" | "in the centre" | ... (thirds of the image)
//   BG        := "on a brick wall" | "against a brick wall" | "on bricks" | "on grass" |
//                "on a patch of grass" | "in the grass" | "on gravel" | "on a gravel path" |
//                "on pebbles" | "on a plain C background" | "on a C background" |
//                "against a flat C backdrop"
//   BGNOUN    := "a brick wall" | "a patch of grass" | "gravel" | "a plain C background"
//   COUNT     := "two" | "three" | ... (numerals above ten)
//
// Captions are lower case without a final full stop.

import GlimpseImaging
import GlimpseTensor

/// Generates reference captions for a scene.
public enum CaptionGrammar {
    /// The number of different captions every scene gets at least.
    public static let minimumCaptions = 5

    /// The number words captions use, "zero" to "ten": index 0-9 for digits (DIGIT), and for
    /// counts up to ten (COUNT; numerals above), so a caption checker reads the same words.
    public static let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]

    /// At least `minimumCaptions` different captions for `objects` on `background`; `objects`
    /// must not be empty.
    public static func captions(objects: [SceneObject], background: SceneBackgroundKind, imageSize: Int,
                                using rng: inout SeededGenerator) -> [String] {
        precondition(!objects.isEmpty, "CaptionGrammar: a scene needs at least one object")
        var g = Builder(objects: objects, background: background, size: imageSize)
        var forms = [0, 1, 2, 3, 4, 5]
        rng.shuffle(&forms)
        var out = [String]()
        for form in forms {
            let caption = g.caption(form: form, using: &rng)
            if !out.contains(caption) { out.append(caption) }
        }
        var attempts = 0
        while out.count < minimumCaptions && attempts < 100 {
            let caption = g.caption(form: Int(rng.next() % 6), using: &rng)
            if !out.contains(caption) { out.append(caption) }
            attempts += 1
        }
        return out
    }

    /// The words of a caption (lower case, split on spaces and punctuation), for vocabulary counts.
    public static func words(_ caption: String) -> [String] {
        caption.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0 == ":" }).map(String.init)
    }

    enum Detail: CaseIterable { case full, color, size, bare }

    struct Builder {
        let objects: [SceneObject]
        let background: SceneBackgroundKind
        let size: Int

        static let numberWords = CaptionGrammar.numberWords

        func pick<T>(_ options: [T], _ rng: inout SeededGenerator) -> T { options[Int(rng.next() % UInt64(options.count))] }

        func countWord(_ n: Int) -> String { n <= 10 ? Self.numberWords[n] : String(n) }

        func digitWord(_ d: Int, _ rng: inout SeededGenerator) -> String {
            rng.next() % 2 == 0 ? String(d) : Self.numberWords[d]
        }

        func article(before word: String) -> String {
            if word == "one" || word.hasPrefix("1") { return "a" }
            if word.hasPrefix("8") || "aeiou".contains(word.first!) { return "an" }
            return "a"
        }

        func np(_ o: SceneObject, _ detail: Detail, _ rng: inout SeededGenerator, definite: Bool = false) -> String {
            var words = [String]()
            if detail == .full || detail == .size { words.append(o.size.rawValue) }
            if detail == .full || detail == .color { words.append(o.color.rawValue) }
            words.append(digitWord(o.digit, &rng))
            return (definite ? "the" : article(before: words[0])) + " " + words.joined(separator: " ")
        }

        func list(_ items: [String]) -> String {
            items.count == 1 ? items[0] : items.dropLast().joined(separator: ", ") + " and " + items.last!
        }

        func backgroundPhrase(_ rng: inout SeededGenerator) -> String {
            switch background {
            case .texture("brick"): return pick(["on a brick wall", "against a brick wall", "on bricks"], &rng)
            case .texture("grass"): return pick(["on grass", "on a patch of grass", "in the grass"], &rng)
            case .texture(_): return pick(["on gravel", "on a gravel path", "on pebbles"], &rng)
            case let .plain(c):
                return pick(["on a plain \(c.rawValue) background", "on a \(c.rawValue) background",
                             "against a flat \(c.rawValue) backdrop"], &rng)
            }
        }

        func backgroundNoun() -> String {
            switch background {
            case .texture("brick"): return "a brick wall"
            case .texture("grass"): return "a patch of grass"
            case .texture(_): return "gravel"
            case let .plain(c): return "a plain \(c.rawValue) background"
            }
        }

        func center(_ o: SceneObject) -> (Float, Float) { ((o.box.x0 + o.box.x1) / 2, (o.box.y0 + o.box.y1) / 2) }

        /// Words true of "a REL b".
        func relations(_ a: SceneObject, _ b: SceneObject) -> [String] {
            let (ax, ay) = center(a), (bx, by) = center(b)
            var out: [String]
            if abs(ax - bx) >= abs(ay - by) {
                out = ax < bx ? ["to the left of", "left of"] : ["to the right of", "right of"]
            } else {
                out = ay < by ? ["above", "over"] : ["below", "under", "beneath"]
            }
            let gapX = max(a.box.x0, b.box.x0) - min(a.box.x1, b.box.x1)
            let gapY = max(a.box.y0, b.box.y0) - min(a.box.y1, b.box.y1)
            if max(gapX, gapY) < Float(size) / 8 { out += ["next to", "beside"] }
            return out
        }

        func position(_ o: SceneObject) -> String {
            let (x, y) = center(o)
            let column = min(2, Int(x * 3 / Float(size))), row = min(2, Int(y * 3 / Float(size)))
            let names = [["in the top left corner", "at the top", "in the top right corner"],
                         ["on the left", "in the centre", "on the right"],
                         ["in the bottom left corner", "at the bottom", "in the bottom right corner"]]
            return names[row][column]
        }

        func ordered(_ rng: inout SeededGenerator) -> [SceneObject] {
            switch rng.next() % 3 {
            case 0: return objects.sorted { center($0).0 < center($1).0 }
            case 1: return objects.sorted { $0.patchSide > $1.patchSide }
            default: return objects
            }
        }

        mutating func caption(form: Int, using rng: inout SeededGenerator) -> String {
            let n = objects.count
            switch form {
            case 0:  // list
                let detail = pick(Detail.allCases, &rng)
                var parts = [String]()
                for o in ordered(&rng) { parts.append(np(o, detail, &rng)) }
                return list(parts) + " " + backgroundPhrase(&rng)
            case 1:  // relation
                let i = Int(rng.next() % UInt64(n))
                if n == 1 { return np(objects[i], .full, &rng) + " " + position(objects[i]) + " " + backgroundPhrase(&rng) }
                var j = Int(rng.next() % UInt64(n - 1))
                if j >= i { j += 1 }
                let detail = pick([Detail.full, .color, .size], &rng)
                var text = np(objects[i], detail, &rng) + " " + pick(relations(objects[i], objects[j]), &rng) + " "
                    + np(objects[j], detail, &rng)
                let others = objects.indices.filter { $0 != i && $0 != j }
                if !others.isEmpty {
                    var parts = [String]()
                    for k in others { parts.append(np(objects[k], .color, &rng)) }
                    text += ", with " + list(parts)
                }
                return text + " " + backgroundPhrase(&rng)
            case 2:  // count
                var parts = [String]()
                for o in ordered(&rng) { parts.append(np(o, .bare, &rng)) }
                let head = n == 1 ? "a single digit" : countWord(n) + " digits"
                return head + " " + backgroundPhrase(&rng) + ": " + list(parts)
            case 3:  // there is / are
                if n == 1 { return "there is " + np(objects[0], .full, &rng) + " " + backgroundPhrase(&rng) }
                let largest = objects.max { $0.patchSide < $1.patchSide }!
                let tied = objects.filter { $0.patchSide == largest.patchSide }.count > 1
                return "there are " + countWord(n) + " digits " + backgroundPhrase(&rng)
                    + (tied ? "" : ", the largest is " + np(largest, pick([Detail.color, .bare], &rng), &rng))
            case 4:  // background first
                var parts = [String]()
                let detail = pick([Detail.full, .color], &rng)
                for o in ordered(&rng) { parts.append(np(o, detail, &rng)) }
                return rng.next() % 2 == 0 ? backgroundNoun() + " with " + list(parts) + " on it"
                    : "a picture of " + backgroundNoun() + " showing " + list(parts)
            default:  // focus on one digit
                let o = objects[Int(rng.next() % UInt64(n))]
                let rest = n - 1
                return np(o, .full, &rng) + " " + backgroundPhrase(&rng)
                    + (rest == 0 ? "" : " and " + countWord(rest) + " other digit" + (rest == 1 ? "" : "s"))
            }
        }
    }
}
