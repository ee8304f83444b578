// MTCNNInput: an image as MTCNN's networks read it: RGB planes of Float pixel values (0...255),
// resampled by area averaging (PyTorch's `interpolate(mode="area")`, i.e. adaptive average
// pooling, as facenet-pytorch's `imresample` does for the pyramid and for the 24x24 and 48x48
// crops) and normalised to `(v - 127.5) / 128`.

import GlimpseImaging
import GlimpseTensor

/// An RGB image as three Float planes `[3, H, W]` of pixel values 0...255.
struct MTCNNInput: Sendable {
    /// Columns.
    let width: Int
    /// Rows.
    let height: Int
    /// `[3, H, W]`, plane after plane.
    let planes: [Float]

    /// The image's RGB planes (gray is repeated to three channels, alpha dropped).
    init(_ image: Image) {
        let rgb = image.rgb()
        let (w, h) = (rgb.width, rgb.height)
        var planes = [Float](repeating: 0, count: 3 * w * h)
        rgb.pixels.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(w * h) {
                    dst[i] = Float(src[3 * i])
                    dst[w * h + i] = Float(src[3 * i + 1])
                    dst[2 * w * h + i] = Float(src[3 * i + 2])
                }
            }
        }
        (self.width, self.height, self.planes) = (w, h, planes)
    }

    /// Area-resamples rows `rows` and columns `columns` of the planes to `outHeight` x `outWidth`,
    /// normalised, into `out[0 ..< 3 * outHeight * outWidth]` (one `[3, outH, outW]` slot of a
    /// batch). Output cell i averages input cells `floor(i * n / m) ..< ceil((i + 1) * n / m)` along
    /// each axis (PyTorch's adaptive average pooling), so it also enlarges a small crop.
    /// With `parallel`, the output rows are shared out among `Compute.threads` threads (the pyramid;
    /// the crops are already resampled one per thread).
    func resample(rows: Range<Int>, columns: Range<Int>, outHeight: Int, outWidth: Int,
                  into out: UnsafeMutablePointer<Float>, parallel: Bool = false) {
        precondition(!rows.isEmpty && !columns.isEmpty && rows.lowerBound >= 0 && columns.lowerBound >= 0
                     && rows.upperBound <= height && columns.upperBound <= width && outHeight >= 1 && outWidth >= 1,
                     "MTCNNInput.resample: region \(rows) x \(columns) outside \(height) x \(width)")
        let (inH, inW) = (rows.count, columns.count)
        func span(_ i: Int, _ m: Int, _ n: Int) -> Range<Int> { (i * n / m)..<(((i + 1) * n + m - 1) / m) }
        let columnSpans = (0..<outWidth).map { span($0, outWidth, inW) }
        let rowSpans = (0..<outHeight).map { span($0, outHeight, inH) }
        // Per output row (rows shared out among the threads): each input row of its window summed
        // over every output column's window, then those row sums added and averaged. A row shared
        // by two windows is summed twice, which costs less than a buffer of all row sums.
        let (w, h, x0, y0) = (width, height, columns.lowerBound, rows.lowerBound)
        planes.withUnsafeBufferPointer { src in
            func resampleRows(_ range: Range<Int>) {
                var sums = [Float](repeating: 0, count: outWidth)
                sums.withUnsafeMutableBufferPointer { sums in
                    for task in range {
                        let (c, i) = (task / outHeight, task % outHeight)
                        for j in 0..<outWidth { sums[j] = 0 }
                        for r in rowSpans[i] {
                            let line = src.baseAddress! + c * w * h + (y0 + r) * w + x0
                            for (j, window) in columnSpans.enumerated() {
                                var sum: Float = 0
                                for x in window { sum += line[x] }
                                sums[j] += sum
                            }
                        }
                        let row = out + c * outHeight * outWidth + i * outWidth
                        let rowCount = rowSpans[i].count
                        for j in 0..<outWidth {
                            let mean = sums[j] / Float(rowCount * columnSpans[j].count)
                            row[j] = (mean - 127.5) * 0.0078125
                        }
                    }
                }
            }
            if parallel {
                Compute.parallelChunks(3 * outHeight) { _, range in resampleRows(range) }
            } else {
                resampleRows(0..<(3 * outHeight))
            }
        }
    }

    /// The whole image area-resampled to `outHeight` x `outWidth` and normalised, `[1, 3, outH, outW]`.
    func resized(outHeight: Int, outWidth: Int) -> Tensor {
        Tensor(uninitializedShape: [1, 3, outHeight, outWidth]) { out in
            resample(rows: 0..<height, columns: 0..<width, outHeight: outHeight, outWidth: outWidth, into: out.baseAddress!,
                     parallel: true)
        }
    }
}
