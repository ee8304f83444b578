// SelectiveSearchError: an image too large for selective search's memory budget, refused before
// anything is allocated for it (issue 19: the decoder's 100-megapixel budget admitted a
// 10000x10000 PNG that needs about 8 GB here, and the process aborted in the allocator).

/// An image whose selective search would need more memory than its budget.
public struct SelectiveSearchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image's width in pixels.
    public var width: Int
    /// The image's height in pixels.
    public var height: Int
    /// The working memory it would need (`SelectiveSearch.workingBytes`).
    public var neededBytes: Double
    /// The budget, `SelectiveSearchParameters.memoryBudgetMiB`.
    public var budgetMiB: Int

    /// Creates the error.
    public init(width: Int, height: Int, neededBytes: Double, budgetMiB: Int) {
        (self.width, self.height, self.neededBytes, self.budgetMiB) = (width, height, neededBytes, budgetMiB)
    }

    /// "selective search on a WxH image needs about N MiB (...), over its memory budget of M MiB (memory_mb); ...".
    public var description: String {
        let mebibytes = Int((neededBytes / 1_048_576).rounded(.up))
        return "selective search on a \(width)x\(height) image needs about \(mebibytes) MiB "
            + "(\(SelectiveSearch.bytesPerPixel) bytes per pixel plus 60 MiB), over its memory budget of \(budgetMiB) MiB "
            + "(the proposer's memory_mb); not run: downscale the image or raise memory_mb"
    }
}
