// RegionFeatures: what selective search knows about each starting region — size, bounding
// box, L1-normalised colour and texture histograms (Uijlings et al. 2013, section 3.2) —
// computed in one pass over the pixels.
//
// Merging two regions needs no pixels: the merged histogram is the size-weighted mean
// C_t = (size_i C_i + size_j C_j) / (size_i + size_j), which equals the histogram of the
// union's pixels (tested against `histograms(of:)` on the union).

/// Per-region features of one segmentation.
public struct RegionFeatures: Sendable {
    /// Number of regions.
    public let count: Int
    /// Bins of a colour histogram.
    public let colourDimensions: Int
    /// Bins of a texture histogram.
    public let textureDimensions: Int
    /// Pixels per region.
    public var sizes: [Int]
    /// Bounding box per region.
    public var boxes: [PixelBox]
    /// Colour histograms laid out `[count, colourDimensions]`, each summing to 1.
    public var colour: [Float]
    /// Texture histograms laid out `[count, textureDimensions]`, each summing to 1.
    public var texture: [Float]

    /// Accumulates every region of `segmentation` from the pixels' bins.
    public init(descriptors: PixelDescriptors, segmentation: Segmentation) {
        precondition(descriptors.width == segmentation.width && descriptors.height == segmentation.height,
                     "RegionFeatures: descriptors and segmentation differ in size")
        let r = segmentation.regionCount, channels = descriptors.channels
        let cd = descriptors.colourDimensions, td = descriptors.textureDimensions
        count = r
        colourDimensions = cd
        textureDimensions = td
        var sizes = [Int](repeating: 0, count: r)
        var boxes = [PixelBox](repeating: PixelBox(minX: .max, minY: .max, maxX: .min, maxY: .min), count: r)
        var colour = [Float](repeating: 0, count: r * cd)
        var texture = [Float](repeating: 0, count: r * td)
        let width = segmentation.width
        let perChannel = PixelDescriptors.orientations * PixelDescriptors.textureBins
        segmentation.labels.withUnsafeBufferPointer { labels in
            descriptors.colour.withUnsafeBufferPointer { cbins in
                descriptors.texture.withUnsafeBufferPointer { tbins in
                    sizes.withUnsafeMutableBufferPointer { sizes in
                        boxes.withUnsafeMutableBufferPointer { boxes in
                            colour.withUnsafeMutableBufferPointer { ch in
                                texture.withUnsafeMutableBufferPointer { th in
                                    for y in 0..<segmentation.height {
                                        for x in 0..<width {
                                            let p = y * width + x
                                            let l = Int(labels[p])
                                            sizes[l] += 1
                                            var b = boxes[l]
                                            b.minX = min(b.minX, Int32(x)); b.maxX = max(b.maxX, Int32(x))
                                            b.minY = min(b.minY, Int32(y)); b.maxY = max(b.maxY, Int32(y))
                                            boxes[l] = b
                                            for c in 0..<channels {
                                                ch[l * cd + c * PixelDescriptors.colourBins + Int(cbins[p * channels + c])] += 1
                                                let tBase = l * td + c * perChannel
                                                let src = (p * channels + c) * 8
                                                for o in 0..<8 {
                                                    th[tBase + o * PixelDescriptors.textureBins + Int(tbins[src + o])] += 1
                                                }
                                            }
                                        }
                                    }
                                    for l in 0..<r {
                                        let cScale = 1 / Float(sizes[l] * channels)
                                        for i in 0..<cd { ch[l * cd + i] *= cScale }
                                        let tScale = 1 / Float(sizes[l] * channels * 8)
                                        for i in 0..<td { th[l * td + i] *= tScale }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.sizes = sizes
        self.boxes = boxes
        self.colour = colour
        self.texture = texture
    }

    /// The reference: colour and texture histograms of the given pixels, counted from scratch.
    public static func histograms(of pixels: [Int], descriptors: PixelDescriptors) -> (colour: [Float], texture: [Float]) {
        precondition(!pixels.isEmpty, "RegionFeatures.histograms: no pixels")
        let channels = descriptors.channels
        var colour = [Float](repeating: 0, count: descriptors.colourDimensions)
        var texture = [Float](repeating: 0, count: descriptors.textureDimensions)
        for p in pixels {
            for c in 0..<channels {
                colour[c * PixelDescriptors.colourBins + Int(descriptors.colour[p * channels + c])] += 1
                for o in 0..<PixelDescriptors.orientations {
                    let bin = Int(descriptors.texture[(p * channels + c) * 8 + o])
                    texture[(c * PixelDescriptors.orientations + o) * PixelDescriptors.textureBins + bin] += 1
                }
            }
        }
        let cTotal = colour.reduce(0, +), tTotal = texture.reduce(0, +)
        return (colour.map { $0 / cTotal }, texture.map { $0 / tTotal })
    }

    /// The size-weighted mean of two normalised histograms: the histogram of the merged region.
    public static func merge(_ a: [Float], size sizeA: Int, _ b: [Float], size sizeB: Int) -> [Float] {
        precondition(a.count == b.count, "RegionFeatures.merge: \(a.count) vs \(b.count) bins")
        let wa = Float(sizeA) / Float(sizeA + sizeB), wb = Float(sizeB) / Float(sizeA + sizeB)
        return zip(a, b).map { wa * $0 + wb * $1 }
    }
}
