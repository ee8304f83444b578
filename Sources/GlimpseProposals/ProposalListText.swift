// ProposalListText: the plain-text proposal list `glimpse propose --out` writes and `glimpse
// eval proposals` reads: one `x y w h` per line (pixels, top-left corner, width, height), best
// first — the format OpenCV's selective-search examples and the peer benchmark print.

import GlimpseImaging

/// A proposal list that cannot be parsed; names the file, the line and the cause.
public struct ProposalFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (or "<memory>").
    public var file: String
    /// 1-based line number; nil for file-level problems.
    public var line: Int?
    /// The cause.
    public var detail: String

    /// Creates the error.
    public init(file: String, line: Int?, detail: String) {
        self.file = file
        self.line = line
        self.detail = detail
    }

    /// "FILE:LINE: DETAIL" or "FILE: DETAIL".
    public var description: String { line.map { "\(file):\($0): \(detail)" } ?? "\(file): \(detail)" }
}

/// Reading and writing `x y w h` proposal lists.
public enum ProposalListText {
    /// The boxes of `text`, in order; blank lines are skipped, fields may be separated by
    /// spaces, tabs or commas. Throws naming `file` and the line for anything else.
    public static func parse(_ text: String, file: String) throws(ProposalFileError) -> [BoundingBox] {
        var boxes: [BoundingBox] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            if fields.isEmpty { continue }
            let values = fields.compactMap { Float($0) }
            guard fields.count == 4, values.count == 4, values.allSatisfy({ $0.isFinite }), values[2] >= 0, values[3] >= 0 else {
                throw ProposalFileError(file: file, line: index + 1,
                                        detail: "expected `x y w h` with w, h >= 0, found \"\(line)\"")
            }
            boxes.append(BoundingBox(x0: values[0], y0: values[1], x1: values[0] + values[2], y1: values[1] + values[3]))
        }
        return boxes
    }

    /// One `x y w h` line per box (coordinates truncated to whole pixels), each ending in a newline.
    public static func format(_ boxes: [BoundingBox]) -> String {
        boxes.map { "\(Int($0.x0)) \(Int($0.y0)) \(Int($0.width)) \(Int($0.height))\n" }.joined()
    }
}
