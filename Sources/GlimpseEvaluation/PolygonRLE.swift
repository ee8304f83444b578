// PolygonRLE: polygons to COCO run-length masks exactly as pycocotools rasterises them.
//
// pycocotools (common/maskApi.c, rleFrPoly) does not fill a polygon by testing pixel centres.
// It scales the vertices by 5 and rounds them to that finer grid, walks every edge one fine
// step at a time along its longer axis (the other coordinate rounded at each step), and keeps
// the points where the walk crosses a fine column that runs through the centre of a pixel
// column. Each such crossing toggles inside/outside at the first pixel row whose centre lies
// below it; sorting the toggles in column-major order gives the run lengths directly. A pixel
// agrees with a centre-in-polygon test except along the outline, so `PolygonRasterizer`
// (GlimpseDatasets) and this differ by a few edge pixels, which is enough to move a `segm` AP
// in the fourth decimal. Golden-tested against pycocotools' `frPyObjects` (PolygonRLETests).
//
// Several polygons of one instance are rasterised one by one and united (pycocotools `merge`).

import GlimpseDatasets

/// COCO polygon rasterisation as pycocotools' `frPyObjects` / `annToRLE` computes it.
public enum PolygonRLE {
    /// The upsampling factor of pycocotools' edge walk.
    static let scale = 5.0

    /// The mask of one polygon `[x1, y1, x2, y2, ...]` (at least one point) on a `height` x
    /// `width` image, as pycocotools' `rleFrPoly`.
    public static func mask(polygon: [Double], height: Int, width: Int) -> RunLengthMask {
        precondition(polygon.count >= 2 && polygon.count % 2 == 0, "PolygonRLE: a polygon needs x, y pairs")
        precondition(height >= 0 && width >= 0, "PolygonRLE: negative image size")
        let k = polygon.count / 2
        // Vertices on the fine grid; C's (int) cast truncates toward zero, as Int(_:) does.
        var fx = [Int](repeating: 0, count: k + 1), fy = [Int](repeating: 0, count: k + 1)
        for j in 0..<k {
            fx[j] = Int(scale * polygon[2 * j] + 0.5)
            fy[j] = Int(scale * polygon[2 * j + 1] + 0.5)
        }
        fx[k] = fx[0]
        fy[k] = fy[0]
        // The fine outline: every edge walked from its first to its last vertex, both included.
        var u = [Int](), v = [Int]()
        for j in 0..<k {
            let (x0, y0, x1, y1) = (fx[j], fy[j], fx[j + 1], fy[j + 1])
            let dx = abs(x1 - x0), dy = abs(y1 - y0)
            if dx >= dy {
                // Step along x from the smaller end so the rounding does not depend on the
                // direction, then emit the points in the edge's own order.
                let reversed = x0 > x1
                let (xs, ys, ye) = reversed ? (x1, y1, y0) : (x0, y0, y1)
                let slope = dx == 0 ? 0 : Double(ye - ys) / Double(dx)
                for d in 0...dx {
                    let t = reversed ? dx - d : d
                    u.append(xs + t)
                    v.append(Int(Double(ys) + slope * Double(t) + 0.5))
                }
            } else {
                let reversed = y0 > y1
                let (ys, xs, xe) = reversed ? (y1, x1, x0) : (y0, x0, x1)
                let slope = Double(xe - xs) / Double(dy)
                for d in 0...dy {
                    let t = reversed ? dy - d : d
                    v.append(ys + t)
                    u.append(Int(Double(xs) + slope * Double(t) + 0.5))
                }
            }
        }
        // Crossings of pixel-centre columns, as linear column-major indices of the toggled pixel.
        var toggles = [Int]()
        toggles.reserveCapacity(u.count / 4 + 1)
        for j in 1..<max(u.count, 1) where u[j] != u[j - 1] {
            let column = (Double(min(u[j], u[j - 1])) + 0.5) / scale - 0.5
            guard column == column.rounded(.down), column >= 0, column <= Double(width - 1) else { continue }
            var row = (Double(min(v[j], v[j - 1])) + 0.5) / scale - 0.5
            row = min(max(row, 0), Double(height)).rounded(.up)
            toggles.append(Int(column) * height + Int(row))
        }
        toggles.append(height * width)
        toggles.sort()
        // Differences are run lengths; a zero-length run (two toggles at one pixel) cancels, so
        // the runs on either side of it join.
        var counts = [Int]()
        counts.reserveCapacity(toggles.count)
        var previous = 0, j = 0
        counts.append(toggles[0])
        previous = toggles[0]
        j = 1
        while j < toggles.count {
            let run = toggles[j] - previous
            previous = toggles[j]
            j += 1
            if run > 0 {
                counts.append(run)
            } else if j < toggles.count {
                counts[counts.count - 1] += toggles[j] - previous
                previous = toggles[j]
                j += 1
            }
        }
        return RunLengthMask(height: height, width: width, counts: counts)
    }

    /// The union of several polygons' masks (pycocotools `frPyObjects` then `merge`).
    public static func mask(polygons: [[Double]], height: Int, width: Int) -> RunLengthMask {
        MaskIoU.union(polygons.map { mask(polygon: $0, height: height, width: width) }, height: height, width: width)
    }

    /// A box `[x, y, width, height]` as pycocotools rasterises it (`frBbox`: a 4-point polygon).
    public static func mask(box: [Double], height: Int, width: Int) -> RunLengthMask {
        let (x0, y0, x1, y1) = (box[0], box[1], box[0] + box[2], box[1] + box[3])
        return mask(polygon: [x0, y0, x0, y1, x1, y1, x1, y0], height: height, width: width)
    }
}
