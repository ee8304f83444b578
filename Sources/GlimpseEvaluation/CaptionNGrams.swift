// CaptionNGrams: the 1- to n-gram counts of one tokenized sentence, as coco-caption's `precook`
// makes them (bleu_scorer.py and cider_scorer.py share it).
//
// Order matters only for floating-point agreement: the references iterate a Python dict, whose
// order is first insertion, i.e. all 1-grams left to right, then all 2-grams, ... Summing in that
// same order keeps CIDEr-D's sums bit-close to pycocoevalcap's.

/// The n-gram counts of one tokenized sentence, n = 1...maxOrder, in coco-caption's order.
struct CaptionNGrams {
    /// An n-gram: its tokens joined by a space (tokens never contain whitespace).
    typealias Key = String

    /// Counts per order: `orders[k - 1]` holds the k-grams.
    var orders: [[Key: Int]]
    /// The k-grams of each order in order of first occurrence (the reference's dict order).
    var sequence: [[Key]]
    /// The number of tokens.
    var length: Int

    /// Counts the 1- to `maxOrder`-grams of `tokens`.
    init(_ tokens: [String], maxOrder: Int) {
        length = tokens.count
        orders = Array(repeating: [:], count: maxOrder)
        sequence = Array(repeating: [], count: maxOrder)
        guard !tokens.isEmpty else { return }
        for k in 1...maxOrder where k <= tokens.count {
            for start in 0...(tokens.count - k) {
                let key = tokens[start..<(start + k)].joined(separator: " ")
                if let count = orders[k - 1][key] {
                    orders[k - 1][key] = count + 1
                } else {
                    orders[k - 1][key] = 1
                    sequence[k - 1].append(key)
                }
            }
        }
    }
}
