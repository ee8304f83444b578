// InputScale: an FCN that runs on the image enlarged (or reduced) by a fixed factor. The scenes'
// digits are 6-35 px tall where DeepConvNet learnt MNIST's 20 px; a factor brings them nearer to
// the scale the backbone knows. The factor is part of the weights file's preprocessing
// (`preprocess.input_scale`), so the pipeline resizes the normalised input by it before the
// network and brings the class scores back to the image's size before the argmax.
//
// Both resamplings use the exact factor (not the ratio of two rounded sizes): output sample i
// reads the source at (i + 0.5) / factor - 0.5, bilinear between the two nearest samples,
// clamped at the borders (the pixel-centre convention of `Image.resized`). So a crop of the
// image whose origin times the factor is a whole number of pixels resamples to exactly the
// same values as the whole image does there, which keeps tiled passes equal to one pass.

import GlimpseTensor

/// The input scale of an FCN segmenter: resampling by an exact factor and the tile geometry it needs.
public enum InputScale {
    /// The smallest and largest factors a weights file may hold.
    public static let range: ClosedRange<Double> = 0.25...4

    /// The side of `side` pixels resampled by `factor` (rounded up: no image pixel is left out).
    public static func scaledSide(_ side: Int, by factor: Double) -> Int {
        precondition(side > 0 && factor > 0, "InputScale.scaledSide: side \(side), factor \(factor)")
        return max(1, Int((Double(side) * factor - 1e-9).rounded(.up)))
    }

    /// The smallest multiple of `grid` (up to `limit`) that `factor` turns into a whole multiple
    /// of `grid`: tile origins on it fall on the network's grid after resampling; nil when none.
    public static func alignment(for factor: Double, grid: Int, limit: Int = 512) -> Int? {
        precondition(grid > 0 && factor > 0, "InputScale.alignment: grid \(grid), factor \(factor)")
        for a in stride(from: grid, through: limit, by: grid) {
            let scaled = Double(a) * factor
            let whole = scaled.rounded()
            if abs(scaled - whole) < 1e-6 && Int(whole) % grid == 0 && whole > 0 { return a }
        }
        return nil
    }

    /// `input` `[N, C, h, w]` resampled to `[N, C, height, width]`, output sample i reading the
    /// source at (i + 0.5) / factor - 0.5 along each axis (bilinear, clamped). `factor` is the
    /// output's size per source pixel (2: enlarge twice; 0.5: back from twice).
    public static func resample(_ input: Tensor, height: Int, width: Int, factor: Double) -> Tensor {
        precondition(input.rank == 4 && height > 0 && width > 0 && factor > 0,
                     "InputScale.resample: input must be [N, C, h, w], got \(input.shape); size \(height)x\(width), factor \(factor)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let ys = taps(source: h, target: height, factor: factor), xs = taps(source: w, target: width, factor: factor)
        let planes = n * c
        return Tensor(uninitializedShape: [n, c, height, width]) { out in
            input.withUnsafeBufferPointer { src in
                var row = [Float](repeating: 0, count: w)
                for p in 0..<planes {
                    let plane = src.baseAddress! + p * h * w, target = out.baseAddress! + p * height * width
                    for y in 0..<height {
                        let (y0, y1, fy) = ys[y]
                        for x in 0..<w { row[x] = plane[y0 * w + x] * (1 - fy) + plane[y1 * w + x] * fy }
                        for x in 0..<width {
                            let (x0, x1, fx) = xs[x]
                            target[y * width + x] = row[x0] * (1 - fx) + row[x1] * fx
                        }
                    }
                }
            }
        }
    }

    /// Per output index: the two source indices and the weight of the second.
    static func taps(source: Int, target: Int, factor: Double) -> [(Int, Int, Float)] {
        (0..<target).map { i in
            let position = min(max((Double(i) + 0.5) / factor - 0.5, 0), Double(source - 1))
            let j0 = Int(position.rounded(.down))
            let j1 = min(j0 + 1, source - 1)
            return (j0, j1, Float(position - Double(j0)))
        }
    }
}
