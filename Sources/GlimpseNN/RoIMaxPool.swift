// RoIMaxPool: Fast R-CNN's region-of-interest max pooling (Girshick 2015, section 2.1).
//
// Each region of interest, given in image pixels, is mapped onto the feature map by
// `spatialScale` and divided into a PH x PW grid of bins; each bin outputs the maximum of the
// feature cells it covers, per channel. The arithmetic is caffe-fast-rcnn's
// `roi_pooling_layer.cpp`, number for number:
//   start = round(x1 * scale), end = round(x2 * scale)         (round half away from zero)
//   size  = max(end - start + 1, 1)                            (so x2 counts as inside)
//   bin p = [floor(p * size / P), ceil((p + 1) * size / P)) + start, clipped to the map
//   an empty bin outputs 0; ties keep the first maximum in row-major order.
// The backward pass routes each output gradient to the cell that won its bin (its argmax) and
// accumulates where RoIs or bins overlap.
//
// Coordinates follow Caffe: (x2, y2) is treated as the last pixel inside the region. A Glimpse
// `BoundingBox` (continuous edges, x1 exclusive) passed as is therefore reaches at most one
// feature cell further than its exclusive edge; pass x1 - 1, y1 - 1 to match py-faster-rcnn's
// inclusive boxes exactly. The scale is the measured ratio of feature map to input
// (SqueezeNet 1.1 on a 128 px scene: 7 / 128), not the paper's 1/16 for VGG16.
//
// The RoIs are not a differentiable input (Fast R-CNN does not back-propagate into the boxes),
// so this is not a single-input `Layer`: it takes the RoIs beside the features and its pullback
// returns the gradient for the features only.

import GlimpseTensor

/// Region-of-interest max pooling: features `[N, C, H, W]` and RoIs `[R, 5]` -> `[R, C, PH, PW]`.
public struct RoIMaxPool: Sendable, Equatable {
    /// Bins per RoI along y (PH).
    public let outputHeight: Int
    /// Bins per RoI along x (PW).
    public let outputWidth: Int
    /// Feature-map cells per image pixel (e.g. 7 / 128 for SqueezeNet 1.1 on 128 px input).
    public let spatialScale: Float

    /// Creates a pooling to `outputHeight` x `outputWidth` bins with `spatialScale` feature cells per pixel.
    public init(outputHeight: Int, outputWidth: Int, spatialScale: Float) {
        precondition(outputHeight >= 1 && outputWidth >= 1, "RoIMaxPool: output \(outputHeight)x\(outputWidth) must be positive")
        precondition(spatialScale > 0 && spatialScale.isFinite, "RoIMaxPool: spatial scale \(spatialScale) must be positive")
        (self.outputHeight, self.outputWidth, self.spatialScale) = (outputHeight, outputWidth, spatialScale)
    }

    /// The output shape `[R, C, PH, PW]` for features `[N, C, H, W]` and RoIs `[R, 5]`, checking both.
    func outputShape(_ features: Tensor, _ rois: Tensor) -> [Int] {
        precondition(features.rank == 4, "RoIMaxPool: features must be [N, C, H, W], got \(features.shape)")
        precondition(rois.rank == 2 && rois.shape[1] == 5, "RoIMaxPool: RoIs must be [R, 5], got \(rois.shape)")
        let n = features.shape[0]
        let values = rois.scalars
        for r in 0..<rois.shape[0] {
            let b = values[r * 5]
            precondition(b >= 0 && b < Float(n) && b == b.rounded(),
                         "RoIMaxPool: RoI \(r) has batch index \(b), features hold \(n) images")
            for k in 1..<5 {
                precondition(values[r * 5 + k].isFinite, "RoIMaxPool: RoI \(r) has a non-finite coordinate")
            }
        }
        return [rois.shape[0], features.shape[1], outputHeight, outputWidth]
    }

    /// The clipped bin edges of one RoI along one axis: `bins` half-open ranges in feature cells.
    /// `start`/`end` are the RoI's first and last coordinate in pixels; `limit` the map's size.
    static func binEdges(start: Float, end: Float, scale: Float, bins: Int, limit: Int) -> [Range<Int>] {
        let first = Int((start * scale).rounded()), last = Int((end * scale).rounded())
        let size = max(last - first + 1, 1)
        let binSize = Float(size) / Float(bins)
        return (0..<bins).map { p in
            let lo = Int((Float(p) * binSize).rounded(.down)) + first
            let hi = Int((Float(p + 1) * binSize).rounded(.up)) + first
            let clippedLo = min(max(lo, 0), limit), clippedHi = min(max(hi, 0), limit)
            return clippedLo..<max(clippedLo, clippedHi)
        }
    }

    // MARK: - Reference

    /// The naive reference, written straight from `roi_pooling_layer.cpp` with subscripts and
    /// no precomputation: the output `[R, C, PH, PW]` and, per output, the flat index into the
    /// features of its maximum (-1 for an empty bin). The fast path is tested against it.
    public func referencePool(_ features: Tensor, rois: Tensor) -> (output: Tensor, argmax: [Int32]) {
        let shape = outputShape(features, rois)
        let (c, h, w) = (features.shape[1], features.shape[2], features.shape[3])
        let (ph, pw) = (outputHeight, outputWidth)
        let x = features.scalars, r = rois.scalars
        var out = [Float](repeating: 0, count: Tensor.elementCount(shape))
        var argmax = [Int32](repeating: -1, count: out.count)
        for roi in 0..<shape[0] {
            let batch = Int(r[roi * 5])
            let startW = Int((r[roi * 5 + 1] * spatialScale).rounded())
            let startH = Int((r[roi * 5 + 2] * spatialScale).rounded())
            let endW = Int((r[roi * 5 + 3] * spatialScale).rounded())
            let endH = Int((r[roi * 5 + 4] * spatialScale).rounded())
            let roiHeight = max(endH - startH + 1, 1), roiWidth = max(endW - startW + 1, 1)
            let binH = Float(roiHeight) / Float(ph), binW = Float(roiWidth) / Float(pw)
            for channel in 0..<c {
                for py in 0..<ph {
                    for px in 0..<pw {
                        var hStart = Int((Float(py) * binH).rounded(.down))
                        var wStart = Int((Float(px) * binW).rounded(.down))
                        var hEnd = Int((Float(py + 1) * binH).rounded(.up))
                        var wEnd = Int((Float(px + 1) * binW).rounded(.up))
                        hStart = min(max(hStart + startH, 0), h)
                        hEnd = min(max(hEnd + startH, 0), h)
                        wStart = min(max(wStart + startW, 0), w)
                        wEnd = min(max(wEnd + startW, 0), w)
                        let o = ((roi * c + channel) * ph + py) * pw + px
                        if hEnd <= hStart || wEnd <= wStart { continue }
                        var best = -Float.greatestFiniteMagnitude
                        for y in hStart..<hEnd {
                            for xx in wStart..<wEnd {
                                let index = ((batch * c + channel) * h + y) * w + xx
                                if x[index] > best {
                                    best = x[index]
                                    argmax[o] = Int32(index)
                                }
                            }
                        }
                        out[o] = best
                    }
                }
            }
        }
        return (Tensor(shape: shape, scalars: out), argmax)
    }

    // MARK: - Fast path

    /// The pooled output `[R, C, PH, PW]`; `argmax` (if given, one entry per output) gets the
    /// flat feature index of each bin's maximum, or -1 for an empty bin. Bins are computed once
    /// per RoI, channels walked through raw pointers, RoIs in parallel.
    func pool(_ features: Tensor, rois: Tensor, argmax: UnsafeMutablePointer<Int32>?) -> Tensor {
        let shape = outputShape(features, rois)
        let (c, h, w) = (features.shape[1], features.shape[2], features.shape[3])
        let (ph, pw, scale) = (outputHeight, outputWidth, spatialScale)
        let r = rois.scalars
        return Tensor(uninitializedShape: shape) { out in
            features.withUnsafeBufferPointer { x in
                Compute.parallelChunks(shape[0]) { _, range in
                    for roi in range {
                        let batch = Int(r[roi * 5])
                        let ys = Self.binEdges(start: r[roi * 5 + 2], end: r[roi * 5 + 4], scale: scale, bins: ph, limit: h)
                        let xs = Self.binEdges(start: r[roi * 5 + 1], end: r[roi * 5 + 3], scale: scale, bins: pw, limit: w)
                        for channel in 0..<c {
                            let planeBase = (batch * c + channel) * h * w
                            let plane = x.baseAddress! + planeBase
                            let outBase = (roi * c + channel) * ph * pw
                            for py in 0..<ph {
                                for px in 0..<pw {
                                    let o = outBase + py * pw + px
                                    var best = -Float.greatestFiniteMagnitude
                                    var bestIndex = -1
                                    for y in ys[py] {
                                        for xx in xs[px] where plane[y * w + xx] > best {
                                            best = plane[y * w + xx]
                                            bestIndex = y * w + xx
                                        }
                                    }
                                    out[o] = bestIndex < 0 ? 0 : best
                                    argmax?[o] = bestIndex < 0 ? -1 : Int32(planeBase + bestIndex)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Inference: features `[N, C, H, W]`, RoIs `[R, 5]` rows (batch index, x1, y1, x2, y2) in
    /// image pixels -> `[R, C, PH, PW]`.
    public func callAsFunction(_ features: Tensor, rois: Tensor) -> Tensor {
        pool(features, rois: rois, argmax: nil)
    }

    /// Training forward: the output `[R, C, PH, PW]` and its pullback, which takes the output
    /// gradient `[R, C, PH, PW]` and returns the features' gradient `[N, C, H, W]`, each output
    /// gradient added to its bin's argmax (nothing for empty bins). No parameters.
    public func forward(_ features: Tensor, rois: Tensor) -> (output: Tensor, pullback: Pullback) {
        let count = Tensor.elementCount(outputShape(features, rois))
        var argmax = [Int32](repeating: -1, count: count)
        let output = argmax.withUnsafeMutableBufferPointer { pool(features, rois: rois, argmax: $0.baseAddress!) }
        let featureShape = features.shape
        return (output, { dy, _ in
            precondition(dy.shape == output.shape, "RoIMaxPool: output gradient \(dy.shape) does not match \(output.shape)")
            var dx = Tensor(zeros: featureShape)
            dx.withUnsafeMutableBufferPointer { dxp in
                dy.withUnsafeBufferPointer { dyp in
                    argmax.withUnsafeBufferPointer { win in
                        // Serial: overlapping RoIs share cells, and their gradients must add.
                        for i in 0..<dyp.count where win[i] >= 0 { dxp[Int(win[i])] += dyp[i] }
                    }
                }
            }
            return dx
        })
    }
}
