// PolygonRasterizer: COCO polygon segmentations to instance masks.
//
// A pixel (x, y) belongs to the mask when its centre (x + 0.5, y + 0.5) lies inside any of the
// polygons (even-odd rule within a polygon, union across the polygons of one annotation, as
// pycocotools merges them). pycocotools' own `frPoly` traces edges on a 5x upsampled grid, so
// the two can differ by a pixel along the boundary; the pycocotools check measures by how much.

/// Fills COCO polygons `[x1, y1, x2, y2, ...]` into a `width` x `height` mask.
public enum PolygonRasterizer {
    /// The union of `polygons` (each a flat list of at least 3 x, y pairs) as a mask.
    public static func mask(polygons: [[Double]], width: Int, height: Int) -> InstanceMask {
        var mask = InstanceMask(width: width, height: height)
        for polygon in polygons {
            precondition(polygon.count >= 6 && polygon.count % 2 == 0, "PolygonRasterizer: need >= 3 x, y pairs")
            let n = polygon.count / 2
            var crossings = [Double]()
            for y in 0..<height {
                let cy = Double(y) + 0.5
                crossings.removeAll(keepingCapacity: true)
                for i in 0..<n {
                    let (xa, ya) = (polygon[2 * i], polygon[2 * i + 1])
                    let j = (i + 1) % n
                    let (xb, yb) = (polygon[2 * j], polygon[2 * j + 1])
                    // Half-open rule: an edge counts when cy is in [min y, max y), so shared
                    // vertices are counted once.
                    if (ya <= cy && cy < yb) || (yb <= cy && cy < ya) {
                        crossings.append(xa + (cy - ya) / (yb - ya) * (xb - xa))
                    }
                }
                crossings.sort()
                var k = 0
                while k + 1 < crossings.count {
                    // Pixels whose centre x + 0.5 lies in [left, right).
                    let first = max(0, Int((crossings[k] - 0.5).rounded(.up)))
                    let last = min(width - 1, Int((crossings[k + 1] - 0.5).rounded(.up)) - 1)
                    if first <= last { for x in first...last { mask.bits[y * width + x] = true } }
                    k += 2
                }
            }
        }
        return mask
    }
}
