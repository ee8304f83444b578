// PolygonRLETests: polygons rasterised as pycocotools' frPyObjects (+ merge) does, on odd
// polygons and a seeded batch of random ones; toBbox, area and mask IoU (plain and crowd) of
// the results against pycocotools' toBbox, area and iou. Reference: reference/mask_ops.py.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTensor
import GlimpseTestSupport
import Testing

@Suite("Polygon RLE against pycocotools", .serialized,
       .enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
struct PolygonRLETests {
    /// Hand-made odd polygons on a 40 (rows) x 50 (columns) image.
    static let oddPolygons: [[[Double]]] = [
        [[2, 2, 20, 2, 20, 12, 2, 12]],                                  // axis-aligned box
        [[5.5, 3.25, 30.75, 8.5, 12.2, 27.9]],                           // fractional triangle
        [[10, 5, 30, 35, 30, 5, 10, 35]],                                // bow-tie (self-intersecting)
        [[-5, -5, 60, -3, 55, 48, -2, 45]],                              // beyond every border
        [[3, 3, 3, 3, 9, 3, 9, 3, 9, 9, 3, 9]],                          // repeated vertices
        [[4, 4, 14, 4, 24, 4, 24, 9, 4, 9]],                             // collinear vertices
        [[7.1, 7.1, 7.6, 7.2, 7.3, 7.8]],                                // smaller than a pixel
        [[0, 20, 49, 20.4, 49, 21.2, 0, 20.8]],                          // one row thin
        [[25, 1, 29, 14, 42, 14, 32, 22, 36, 36, 25, 28, 14, 36, 18, 22, 8, 14, 21, 14]],  // star (concave)
        [[2.5, 2.5, 12.5, 2.5, 12.5, 12.5, 2.5, 12.5], [7.5, 7.5, 17.5, 7.5, 17.5, 17.5, 7.5, 17.5]],  // overlapping pair
        [[1, 1, 10, 1, 10, 10, 1, 10], [10, 1, 19, 1, 19, 10, 10, 10]],  // sharing an edge
        [[0.49, 0.49, 49.51, 0.49, 49.51, 39.51, 0.49, 39.51]],          // rounding at .5 on the 5x grid
        [[12, 30, 13, 2, 14, 30]],                                       // steep spike
        [[0, 0, 50, 0, 50, 40, 0, 40]],                                  // the whole image
    ]

    @Test func oddAndRandomPolygonsRasteriseExactlyAsPycocotools() throws {
        var cases = [(height: Int, width: Int, polygons: [[Double]])]()
        for polygons in Self.oddPolygons { cases.append((40, 50, polygons)) }
        var random = SeededGenerator(seed: 2024)
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(random.nextUniform()) }
        for n in 0..<120 {
            let (height, width) = (Int(uniform(8, 70)), Int(uniform(8, 70)))
            var polygons = [[Double]]()
            for _ in 0..<(n % 7 == 0 ? 2 : 1) {
                let points = 3 + Int(uniform(0, 9))
                // Vertices may leave the image by up to 3 pixels; every 4th polygon on quarter pixels.
                polygons.append((0..<points).flatMap { _ -> [Double] in
                    var x = uniform(-3, Double(width) + 3), y = uniform(-3, Double(height) + 3)
                    if n % 4 == 0 { x = (x * 4).rounded() / 4; y = (y * 4).rounded() / 4 }
                    return [x, y]
                })
            }
            cases.append((height, width, polygons))
        }
        // IoU pairs between cases of one size: the 14 odd polygons, plain and crowd.
        var pairs = [(a: Int, b: Int, crowd: Bool)]()
        for a in 0..<Self.oddPolygons.count {
            for b in 0..<Self.oddPolygons.count { pairs.append((a, b, (a + b) % 3 == 0)) }
        }
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = JSONValue.object([
            ("cases", .array(cases.map { c in
                .object([("height", .integer(c.height)), ("width", .integer(c.width)),
                         ("polygons", .array(c.polygons.map { .array($0.map { .number($0) }) }))])
            })),
            ("pairs", .array(pairs.map { .object([("a", .integer($0.a)), ("b", .integer($0.b)), ("crowd", .integer($0.crowd ? 1 : 0))]) })),
        ])
        try Data(spec.serialized().utf8).write(to: URL(fileURLWithPath: directory + "/cases.json"))
        let reference = try runDetectionReference("mask_ops.py", [directory + "/cases.json"])
        guard case let .array(counts)? = reference["counts"], case let .array(boxes)? = reference["bbox"],
              case let .array(areas)? = reference["area"] else { Issue.record("reference output incomplete"); return }
        #expect(counts.count == cases.count)
        var masks = [RunLengthMask]()
        for (i, c) in cases.enumerated() {
            let mask = PolygonRLE.mask(polygons: c.polygons, height: c.height, width: c.width)
            masks.append(mask)
            #expect(counts[i] == .string(mask.compressedString), "case \(i) \(c.polygons)")
            #expect(boxes[i].detectionNumbers == MaskIoU.boundingBox(mask).map { Optional($0) }, "case \(i) box")
            #expect(areas[i].doubleValue == Double(mask.area), "case \(i) area")
        }
        let ious = reference["iou"]?.detectionNumbers ?? []
        #expect(ious.count == pairs.count)
        for (p, pair) in pairs.enumerated() where p < ious.count {
            let ours = MaskIoU.maskIoU(masks[pair.a], masks[pair.b], crowd: pair.crowd)
            #expect(abs(ours - (ious[p] ?? .nan)) <= 1e-12, "pair \(pair): Glimpse \(ours) pycocotools \(String(describing: ious[p]))")
        }
        // The odd cases are not trivial: most are neither empty nor full.
        #expect(masks.prefix(Self.oddPolygons.count).filter { $0.area > 0 && $0.area < 2000 }.count >= 10)
    }

    @Test func toBboxWidensARunWrappingIntoTheNextColumnToTheFullHeight() {
        // 4 rows x 3 columns, column-major runs: 3 zeros, then 1s at (x 0, y 3) and (x 1, y 0).
        let mask = RunLengthMask(height: 4, width: 3, counts: [3, 2, 7])
        #expect(MaskIoU.boundingBox(mask) == [0, 0, 2, 4])
        #expect(MaskIoU.boundingBox(RunLengthMask(height: 4, width: 3, counts: [12])) == [0, 0, 0, 0])
        #expect(MaskIoU.boundingBox(RunLengthMask(height: 4, width: 3, counts: [5, 2, 5])) == [1, 1, 1, 2])
    }
}
