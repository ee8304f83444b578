// ImageGroups: several small images side by side in one GEMM.
//
// The convolution kernels (Convolution.swift, ConvolutionGradients.swift) multiply one image's
// column matrix at a time. For a late layer with few output pixels per image (DeepConvNet's
// conv5 and conv6: 8x8 = 64) that GEMM is thin, and OpenBLAS spends about as long packing its
// operands and walking its loops as multiplying. So the kernels take the images of a chunk in
// groups of `size(pixels:)` consecutive images and lay each group out side by side: a matrix
// `[rows, count * pixels]` whose columns `b * pixels ..< (b + 1) * pixels` belong to the group's
// image `b`. One GEMM then covers the group; `gather` and `scatter` convert between that layout
// and the images' own `[count][rows][pixels]` (NCHW) layout.
//
// Each output element of the forward and data-gradient GEMMs is still the dot product of the
// same row and column, so grouping does not change them (tested bit for bit against one image at
// a time); the weight gradient sums over a group's pixels inside one GEMM, a different order of
// the same additions (within float rounding of the per-image sum, tested against direct loops).
// Large images (`pixels >= targetColumns / 2`) form groups of one: the per-image path, unchanged.

/// Groups of consecutive images laid side by side so that one GEMM covers several small images.
enum ImageGroups {
    /// The GEMM width a group aims at, in columns (image pixels): wide enough for OpenBLAS's
    /// kernels to run at speed, small enough for the group's columns to stay in the cache.
    static let targetColumns = 1024

    /// The number of images per group for images of `pixels` columns each: at least 1.
    static func size(pixels: Int) -> Int {
        precondition(pixels > 0, "ImageGroups: no pixels")
        return max(1, targetColumns / pixels)
    }

    /// Calls `body` on `images` cut into consecutive groups of `size` (the last one may be smaller).
    static func forEach(_ images: Range<Int>, size: Int, _ body: (Range<Int>) -> Void) {
        precondition(size >= 1, "ImageGroups: group size \(size)")
        var start = images.lowerBound
        while start < images.upperBound {
            let end = min(start + size, images.upperBound)
            body(start..<end)
            start = end
        }
    }

    /// Lays `count` images `source` `[count, rows, pixels]` side by side into `destination`
    /// `[rows, count * pixels]`.
    static func gather(_ source: UnsafePointer<Float>, count: Int, rows: Int, pixels: Int,
                       into destination: UnsafeMutablePointer<Float>) {
        let width = count * pixels
        for image in 0..<count {
            for row in 0..<rows {
                (destination + row * width + image * pixels).update(from: source + (image * rows + row) * pixels, count: pixels)
            }
        }
    }

    /// The inverse of `gather`: `source` `[rows, count * pixels]` back to `destination` `[count, rows, pixels]`.
    static func scatter(_ source: UnsafePointer<Float>, count: Int, rows: Int, pixels: Int,
                        into destination: UnsafeMutablePointer<Float>) {
        let width = count * pixels
        for image in 0..<count {
            for row in 0..<rows {
                (destination + (image * rows + row) * pixels).update(from: source + row * width + image * pixels, count: pixels)
            }
        }
    }
}
