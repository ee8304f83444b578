// CaptionSet: the images and reference captions of a labelled source, loaded once for a
// training run, with the data rules applied and reported rather than crashing:
// - an image without captions (none in the file, or none with a word) is skipped and named in
//   `skipped`: it cannot teach a captioner, and validation has nothing to score it against;
// - a caption with no word after tokenization (empty, only punctuation or symbols) is skipped
//   and named in `skipped` (file, image and caption number);
// - a caption longer than `maxTokens` tokens is cut to its first `maxTokens` (`truncated`
//   counts them): a 10,000-word caption costs one ordinary example, not a 10,000-step LSTM;
// - any Unicode text is accepted: letters outside ASCII make words like any others, and a word
//   rarer than the vocabulary's minimum count reads as `<unk>`.

import GlimpseDatasets
import GlimpseImaging
import GlimpseTensor

/// One image with its reference captions.
public struct CaptionedImage: Sendable {
    /// The image's name in its source.
    public var name: String
    /// The image.
    public var image: Image
    /// Its reference captions as written (each with at least one word).
    public var captions: [String]

    /// Creates an example.
    public init(name: String, image: Image, captions: [String]) {
        (self.name, self.image, self.captions) = (name, image, captions)
    }
}

/// Captioned images and what the data rules skipped.
public struct CaptionSet: Sendable {
    /// The images with at least one usable caption.
    public var examples: [CaptionedImage]
    /// Where they came from (for messages).
    public var sourceName: String
    /// What was left out and why, one line each ("FILE: image NAME: no captions").
    public var skipped: [String]
    /// Captions cut to `maxTokens`.
    public var truncated: Int

    /// Creates a set from examples.
    public init(examples: [CaptionedImage], sourceName: String, skipped: [String] = [], truncated: Int = 0) {
        (self.examples, self.sourceName, self.skipped, self.truncated) = (examples, sourceName, skipped, truncated)
    }

    /// Loads items `indices` of `source` (see the file comment for what is skipped); throws
    /// `DatasetError` naming the file for an unreadable item. `progress(done, total)` per item.
    public static func load(source: any LabelledImageSource, sourceName: String, indices: [Int], maxTokens: Int,
                            progress: (Int, Int) -> Void = { _, _ in }) throws(DatasetError) -> CaptionSet {
        precondition(maxTokens >= 1, "CaptionSet: maxTokens \(maxTokens)")
        var set = CaptionSet(examples: [], sourceName: sourceName)
        for (done, index) in indices.enumerated() {
            let item = try source.item(at: index)
            let file = sourceName + "/" + item.name
            guard let image = item.image else { throw DatasetError(.unreadable, file: file, "no image") }
            var kept = [String]()
            for (k, caption) in (item.captions ?? []).enumerated() {
                let tokens = CaptionVocabulary.tokenize(caption)
                if !tokens.contains(where: { $0.contains(where: { $0.isLetter || $0.isNumber }) }) {
                    set.skipped.append("\(file): caption \(k + 1) has no words (\"\(caption.prefix(40))\"): skipped")
                    continue
                }
                if tokens.count > maxTokens { set.truncated += 1 }
                kept.append(caption)
            }
            if kept.isEmpty {
                set.skipped.append("\(file): no captions with words: image skipped")
            } else {
                set.examples.append(CaptionedImage(name: item.name, image: image, captions: kept))
            }
            progress(done + 1, indices.count)
        }
        return set
    }

    /// Every caption of every image, in order.
    public var allCaptions: [String] { examples.flatMap(\.captions) }
}
