// GaussianSmoothing: the separable Gaussian blur the graph segmentation runs first
// (Felzenszwalb & Huttenlocher 2004, section 5: sigma 0.8 "does not change the appearance of
// the image but helps remove artifacts") and the texture derivatives are taken on.
//
// As in the authors' code the kernel reaches ceil(4 sigma) pixels either side and is
// normalised to sum 1; borders repeat the edge pixel.

import Foundation

/// Separable Gaussian blur of channel planes.
public enum GaussianSmoothing {
    /// The normalised half kernel: weight of offset 0, 1, ..., ceil(4 sigma).
    public static func halfKernel(sigma: Float) -> [Float] {
        precondition(sigma >= 0, "GaussianSmoothing: negative sigma \(sigma)")
        if sigma < 0.01 { return [1] }
        let radius = Int((4 * sigma).rounded(.up))
        var weights = (0...radius).map { d in expf(-0.5 * Float(d * d) / (sigma * sigma)) }
        let total = weights[0] + 2 * weights.dropFirst().reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        return weights
    }

    /// Blurs each of `channels` planes laid out `[C, H, W]`; returns the same layout.
    public static func smooth(_ planes: [Float], width: Int, height: Int, channels: Int, sigma: Float) -> [Float] {
        precondition(planes.count == width * height * channels, "GaussianSmoothing: planes are not [C, H, W]")
        let kernel = halfKernel(sigma: sigma)
        if kernel.count == 1 || planes.isEmpty { return planes }
        let radius = kernel.count - 1
        var out = [Float](repeating: 0, count: planes.count)
        var row = [Float](repeating: 0, count: width + 2 * radius)
        var temp = [Float](repeating: 0, count: width * height)
        kernel.withUnsafeBufferPointer { k in
            planes.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    row.withUnsafeMutableBufferPointer { r in
                            temp.withUnsafeMutableBufferPointer { t in
                                for c in 0..<channels {
                                    let base = c * width * height
                                    // Horizontal pass into temp (padded row copy avoids border branches).
                                    for y in 0..<height {
                                        let line = base + y * width
                                        for x in 0..<(width + 2 * radius) {
                                            r[x] = src[line + min(width - 1, max(0, x - radius))]
                                        }
                                        for x in 0..<width {
                                            var sum = k[0] * r[x + radius]
                                            for d in 1...radius { sum += k[d] * (r[x + radius - d] + r[x + radius + d]) }
                                            t[y * width + x] = sum
                                        }
                                    }
                                    // Vertical pass, row by row so the inner loop runs along memory.
                                    for y in 0..<height {
                                        let line = base + y * width
                                        for x in 0..<width { dst[line + x] = k[0] * t[y * width + x] }
                                        for d in 1...radius {
                                            let up = min(height - 1, max(0, y - d)) * width
                                            let down = min(height - 1, max(0, y + d)) * width
                                            let w = k[d]
                                            for x in 0..<width { dst[line + x] += w * (t[up + x] + t[down + x]) }
                                        }
                                    }
                                }
                        }
                    }
                }
            }
        }
        return out
    }
}
