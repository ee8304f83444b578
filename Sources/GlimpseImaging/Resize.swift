// Resize: separable resampling, bilinear when enlarging and area averaging when shrinking.
//
// Each axis gets a table of (first source index, weights) per output index; the image is
// filtered along x, then along y, in Float. Pixel centres sit at i + 0.5 (the OpenCV/PIL
// convention), so a resize neither shifts the image nor loses its border. When shrinking,
// each output pixel averages exactly the source area it covers (fractional at the edges),
// which removes the aliasing plain bilinear sampling shows on downscaled photos.

/// Per output index: the first source index and the weights of consecutive source samples.
struct ResampleTable {
    var starts: [Int]
    var weights: [[Float]]
    /// The weights of all outputs in one array: output `i`'s are `taps[offsets[i]..<offsets[i + 1]]`
    /// (the fast resize's layout; the same values as `weights`).
    var taps: [Float] = []
    /// Where each output's weights start in `taps`, plus the end (`target + 1` entries).
    var offsets: [Int] = [0]

    /// The table for resampling `source` samples to `target`.
    init(source: Int, target: Int) {
        precondition(source > 0 && target > 0, "ResampleTable: empty axis \(source) -> \(target)")
        let scale = Double(source) / Double(target)
        starts = []
        weights = []
        for i in 0..<target {
            if target < source {
                // Area: the output pixel covers [lo, hi) of the source.
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                let first = Int(lo.rounded(.down)), last = min(Int(hi.rounded(.up)) - 1, source - 1)
                var w = [Float]()
                for j in first...last { w.append(Float((min(hi, Double(j + 1)) - max(lo, Double(j))) / scale)) }
                starts.append(first)
                weights.append(w)
            } else {
                // Bilinear between the two nearest source centres, clamped at the borders.
                let position = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
                let j0 = Int(position.rounded(.down)), f = Float(position - Double(j0))
                if j0 + 1 < source && f > 0 {
                    starts.append(j0)
                    weights.append([1 - f, f])
                } else {
                    starts.append(j0)
                    weights.append([1])
                }
            }
        }
        for w in weights {
            taps += w
            offsets.append(taps.count)
        }
    }
}

extension Image {
    /// The bytes `resized(width:height:)` allocates to resample a `width` x `height` image of
    /// `channels` channels to `newWidth` x `newHeight`: the Float rows of the x pass
    /// (`height * newWidth * channels * 4`) and the output bytes (`newWidth * newHeight *
    /// channels`), plus the two resampling tables. Computed in Double so that absurd sizes give
    /// a huge number instead of overflowing; callers compare it with a memory budget before
    /// resizing (issue 19: `--resize 46341x46341` reached 8.66 GB before this check).
    public static func resizeBytes(width: Int, height: Int, channels: Int, newWidth: Int, newHeight: Int) -> Double {
        let c = Double(channels)
        let rows = Double(height) * Double(newWidth) * c * 4
        let output = Double(newWidth) * Double(newHeight) * c
        // per output column and row: a start index and a small array of weights (about 48 bytes)
        let tables = (Double(newWidth) + Double(newHeight)) * 48
        return rows + output + tables
    }

    /// Resampled to `width` x `height`: bilinear along an axis that grows, area averaging
    /// along an axis that shrinks.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resized: empty target \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let xs = ResampleTable(source: width, target: newWidth)
        let ys = ResampleTable(source: height, target: newHeight)
        let c = channels
        // Along x: [H, W, C] bytes -> [H, newW, C] floats, each sum in the reference's order.
        var rows = [Float](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                xs.starts.withUnsafeBufferPointer { starts in
                    xs.offsets.withUnsafeBufferPointer { offsets in
                        xs.taps.withUnsafeBufferPointer { taps in
                            for y in 0..<height {
                                let row = src.baseAddress! + y * width * c
                                let out = dst.baseAddress! + y * newWidth * c
                                for x in 0..<newWidth {
                                    let first = row + starts[x] * c
                                    let w = taps.baseAddress! + offsets[x], n = offsets[x + 1] - offsets[x]
                                    if c == 3 {
                                        var s0: Float = 0, s1: Float = 0, s2: Float = 0
                                        for t in 0..<n {
                                            let p = first + 3 * t
                                            s0 += w[t] * Float(p[0])
                                            s1 += w[t] * Float(p[1])
                                            s2 += w[t] * Float(p[2])
                                        }
                                        out[3 * x] = s0
                                        out[3 * x + 1] = s1
                                        out[3 * x + 2] = s2
                                    } else {
                                        for k in 0..<c {
                                            var sum: Float = 0
                                            for t in 0..<n { sum += w[t] * Float(first[t * c + k]) }
                                            out[x * c + k] = sum
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Along y: [H, newW, C] floats -> [newH, newW, C] bytes. One accumulator row per output
        // row, the taps outermost: each element still sums 0 + w0 * s0 + w1 * s1 + ... in the
        // reference's order, and the inner loop runs along contiguous memory.
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * c)
        let stride = newWidth * c
        var accumulator = [Float](repeating: 0, count: stride)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    let a = acc.baseAddress!
                    for y in 0..<newHeight {
                        let start = ys.starts[y], first = ys.offsets[y], n = ys.offsets[y + 1] - first
                        a.update(repeating: 0, count: stride)
                        for t in 0..<n {
                            let w = ys.taps[first + t], line = src.baseAddress! + (start + t) * stride
                            for i in 0..<stride { a[i] += w * line[i] }
                        }
                        let target = dst.baseAddress! + y * stride
                        for i in 0..<stride { target[i] = clampByte(a[i]) }
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }

    /// The naive reference `resized(width:height:)` is checked against (bit for bit): the same
    /// tables, summed output by output.
    func resizedReference(width newWidth: Int, height newHeight: Int) -> Image {
        if newWidth == width && newHeight == height { return self }
        let xs = ResampleTable(source: width, target: newWidth)
        let ys = ResampleTable(source: height, target: newHeight)
        let c = channels
        // Along x: [H, W, C] bytes -> [H, newW, C] floats.
        var rows = [Float](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<newWidth {
                        let start = xs.starts[x], w = xs.weights[x], o = (y * newWidth + x) * c
                        for k in 0..<c {
                            var sum: Float = 0
                            for t in 0..<w.count { sum += w[t] * Float(src[(y * width + start + t) * c + k]) }
                            dst[o + k] = sum
                        }
                    }
                }
            }
        }
        // Along y: [H, newW, C] floats -> [newH, newW, C] bytes.
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * c)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let stride = newWidth * c
                for y in 0..<newHeight {
                    let start = ys.starts[y], w = ys.weights[y]
                    for i in 0..<stride {
                        var sum: Float = 0
                        for t in 0..<w.count { sum += w[t] * src[(start + t) * stride + i] }
                        dst[y * stride + i] = clampByte(sum)
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }
}

extension LabelMap {
    /// Resampled to `width` x `height` by nearest neighbour (class ids must not be blended).
    public func resized(width newWidth: Int, height newHeight: Int) -> LabelMap {
        precondition(newWidth > 0 && newHeight > 0, "resized: empty target \(newWidth)x\(newHeight)")
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        return LabelMap(plane.remapped(width: newWidth, height: newHeight, fill: [LabelMap.ignore]) { x, y in
            (min(Int((Double(x) + 0.5) * sx), width - 1), min(Int((Double(y) + 0.5) * sy), height - 1))
        })
    }
}
