// DatasetStatistics: counts and histograms of a COCO-style split (images, objects per image,
// classes, colour and size attributes, backgrounds, caption vocabulary and lengths), the
// numbers `glimpse datasets stats` prints to show a generated set looks like a real dataset.

/// Summary statistics of one split.
public struct DatasetStatistics: Sendable, Equatable {
    /// Number of images.
    public var images = 0
    /// Number of object annotations.
    public var objects = 0
    /// Images by their number of objects.
    public var objectsPerImage: [Int: Int] = [:]
    /// Annotations by category name.
    public var classes: [String: Int] = [:]
    /// Annotations by the "color" attribute (empty for plain COCO).
    public var colors: [String: Int] = [:]
    /// Annotations by the "size" attribute.
    public var sizes: [String: Int] = [:]
    /// Images by the "background" attribute.
    public var backgrounds: [String: Int] = [:]
    /// Number of captions.
    public var captions = 0
    /// Fewest captions of any image (0 without captions).
    public var minCaptionsPerImage = 0
    /// Number of distinct captions over the split.
    public var distinctCaptions = 0
    /// Occurrences of each word over all captions.
    public var vocabulary: [String: Int] = [:]
    /// Captions by their length in words.
    public var captionLengths: [Int: Int] = [:]
    /// Mean box side sqrt(w h) in pixels.
    public var meanBoxSide = 0.0

    /// Computes the statistics of an instances file and, optionally, its captions.
    public init(instances: COCOInstances, captions: COCOCaptions?) {
        images = instances.images.count
        objects = instances.annotations.count
        let names = Dictionary(instances.categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let perImage = instances.annotationsByImage()
        for image in instances.images {
            objectsPerImage[perImage[image.id]?.count ?? 0, default: 0] += 1
            if let b = image.attributes["background"] { backgrounds[b, default: 0] += 1 }
        }
        var sideSum = 0.0
        for a in instances.annotations {
            classes[names[a.categoryID] ?? String(a.categoryID), default: 0] += 1
            if let c = a.attributes["color"] { colors[c, default: 0] += 1 }
            if let s = a.attributes["size"] { sizes[s, default: 0] += 1 }
            sideSum += (a.bbox[2] * a.bbox[3]).squareRoot()
        }
        meanBoxSide = objects > 0 ? sideSum / Double(objects) : 0
        guard let captions else { return }
        self.captions = captions.annotations.count
        let byImage = captions.captionsByImage()
        minCaptionsPerImage = instances.images.map { byImage[$0.id]?.count ?? 0 }.min() ?? 0
        distinctCaptions = Set(captions.annotations.map(\.caption)).count
        for a in captions.annotations {
            let words = CaptionGrammar.words(a.caption)
            captionLengths[words.count, default: 0] += 1
            for w in words { vocabulary[w, default: 0] += 1 }
        }
    }

    /// A plain-text report with one table per histogram.
    public func report() -> String {
        var lines = ["images \(images), objects \(objects) (\(format2(Double(objects) / Double(max(images, 1)))) per image), mean box side \(format2(meanBoxSide)) px"]
        func table(_ title: String, _ counts: [String: Int], sortByKey: Bool = true) {
            guard !counts.isEmpty else { return }
            let total = counts.values.reduce(0, +)
            lines.append(title + ":")
            let keys = sortByKey ? counts.keys.sorted() : counts.keys.sorted { counts[$0]! > counts[$1]! }
            for k in keys {
                let share = Double(counts[k]!) / Double(total)
                lines.append("  " + k.padding(toLength: 12, withPad: " ", startingAt: 0)
                             + String(counts[k]!).leftPadded(7) + "  " + format2(100 * share).leftPadded(6) + "%  "
                             + String(repeating: "#", count: Int((share * 100).rounded())))
            }
        }
        table("objects per image", Dictionary(uniqueKeysWithValues: objectsPerImage.map { (String($0.key), $0.value) }))
        table("classes", classes)
        table("colours", colors)
        table("sizes", sizes)
        table("backgrounds", backgrounds)
        if captions > 0 {
            lines.append("captions \(captions) (at least \(minCaptionsPerImage) per image, \(distinctCaptions) distinct), "
                         + "vocabulary \(vocabulary.count) words")
            let lengths = captionLengths.keys.sorted()
            let mean = Double(captionLengths.map { $0.key * $0.value }.reduce(0, +)) / Double(captions)
            lines.append("caption length in words: min \(lengths.first!), mean \(format2(mean)), max \(lengths.last!)")
            table("caption lengths", Dictionary(uniqueKeysWithValues: captionLengths.map {
                (String($0.key).leftPadded(2), $0.value) }))
            let top = vocabulary.keys.sorted { vocabulary[$0]! != vocabulary[$1]! ? vocabulary[$0]! > vocabulary[$1]! : $0 < $1 }
            lines.append("most frequent words: " + top.prefix(15).map { "\($0) \(vocabulary[$0]!)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    private func format2(_ x: Double) -> String {
        let scaled = (x * 100).rounded() / 100
        let whole = Int(scaled)
        let frac = Int((abs(scaled - Double(whole)) * 100).rounded())
        return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
