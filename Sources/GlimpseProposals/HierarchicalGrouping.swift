// HierarchicalGrouping: selective search's greedy merging (Uijlings et al. 2013, algorithm 1).
//
// Starting from the segmentation's regions, the most similar pair of neighbours is merged
// until one region remains; every region ever formed is a proposal. Features of a merged
// region come from its two parts (RegionFeatures), its neighbours are the union of theirs,
// and only the pairs of the new region are scored and pushed onto the priority queue.

/// The merge hierarchy of one grouping strategy.
public enum HierarchicalGrouping {
    /// Boxes of every region in creation order: the `features.count` starting regions, then
    /// one per merge (so the last box is the top of the hierarchy).
    ///
    /// - Parameter neighbours: the starting regions' neighbour pairs (`RegionAdjacency.pairs`).
    /// - Parameter imageSize: pixels in the image (the size and fill similarities divide by it).
    public static func group(_ features: RegionFeatures, neighbours: [(Int32, Int32)],
                             similarity measures: SimilarityMeasures, imageSize: Int) -> [PixelBox] {
        let r = features.count
        if r == 0 { return [] }
        let total = 2 * r - 1
        let cd = features.colourDimensions, td = features.textureDimensions
        let useColour = measures.contains(.colour), useTexture = measures.contains(.texture)
        let useSize = measures.contains(.size), useFill = measures.contains(.fill)

        var boxes = features.boxes
        boxes.reserveCapacity(total)
        var sizes = features.sizes
        sizes.reserveCapacity(total)
        var slot = [Int32](0..<Int32(r))   // where a region's histograms are stored
        var alive = [Bool](repeating: true, count: r)
        var adjacent = [[Int32]](repeating: [], count: r)
        for (a, b) in neighbours {
            adjacent[Int(a)].append(b)
            adjacent[Int(b)].append(a)
        }
        var colour = useColour ? features.colour : []
        var texture = useTexture ? features.texture : []
        var stamp = [Int32](repeating: -1, count: total)

        return colour.withUnsafeMutableBufferPointer { colour in
            texture.withUnsafeMutableBufferPointer { texture in
                @inline(__always) func score(_ a: Int, _ b: Int) -> Float {
                    var s: Float = 0
                    let sa = Int(slot[a]), sb = Int(slot[b])
                    if useColour { s += Similarity.intersection(colour.baseAddress! + sa * cd, colour.baseAddress! + sb * cd, count: cd) }
                    if useTexture { s += Similarity.intersection(texture.baseAddress! + sa * td, texture.baseAddress! + sb * td, count: td) }
                    if useSize { s += Similarity.size(sizes[a], sizes[b], imageSize: imageSize) }
                    if useFill { s += Similarity.fill(boxes[a], sizes[a], boxes[b], sizes[b], imageSize: imageSize) }
                    return s
                }
                var heap = RegionPairHeap()
                heap.reserve(neighbours.count * 2)
                for (a, b) in neighbours { heap.push(RegionPair(similarity: score(Int(a), Int(b)), a: a, b: b)) }

                while let pair = heap.pop() {
                    let a = Int(pair.a), b = Int(pair.b)
                    if !alive[a] || !alive[b] { continue }
                    let t = boxes.count
                    let sa = sizes[a], sb = sizes[b]
                    // The merged region keeps a's storage slot; b's is abandoned.
                    let wa = Float(sa) / Float(sa + sb), wb = Float(sb) / Float(sa + sb)
                    let slotA = Int(slot[a]), slotB = Int(slot[b])
                    if useColour {
                        let pa = colour.baseAddress! + slotA * cd, pb = colour.baseAddress! + slotB * cd
                        for i in 0..<cd { pa[i] = wa * pa[i] + wb * pb[i] }
                    }
                    if useTexture {
                        let pa = texture.baseAddress! + slotA * td, pb = texture.baseAddress! + slotB * td
                        for i in 0..<td { pa[i] = wa * pa[i] + wb * pb[i] }
                    }
                    boxes.append(boxes[a].union(boxes[b]))
                    sizes.append(sa + sb)
                    slot.append(Int32(slotA))
                    alive[a] = false
                    alive[b] = false
                    alive.append(true)

                    var merged: [Int32] = []
                    merged.reserveCapacity(adjacent[a].count + adjacent[b].count)
                    stamp[a] = Int32(t); stamp[b] = Int32(t)
                    for n in adjacent[a] where stamp[Int(n)] != Int32(t) { stamp[Int(n)] = Int32(t); merged.append(n) }
                    for n in adjacent[b] where stamp[Int(n)] != Int32(t) { stamp[Int(n)] = Int32(t); merged.append(n) }
                    adjacent[a] = []
                    adjacent[b] = []
                    for n in merged {
                        let ni = Int(n)
                        adjacent[ni].removeAll { $0 == Int32(a) || $0 == Int32(b) }
                        adjacent[ni].append(Int32(t))
                    }
                    adjacent.append(merged)
                    for n in merged {
                        heap.push(RegionPair(similarity: score(t, Int(n)), a: n, b: Int32(t)))
                    }
                }
                return boxes
            }
        }
    }
}
