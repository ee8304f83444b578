// PycocotoolsTests: COCO files written by the project load in pycocotools (the reference COCO
// API) with the same boxes, areas and masks. The check runs `pycocotools/run_check.sh`, which
// creates the project's venv with pycocotools on first use (scripts/coco-venv.sh: .build/coco-venv, or $GLIMPSE_COCO_VENV)
// and prints what pycocotools sees as JSON. Skipped where python3 is missing; a failure there
// when tools are required (GLIMPSE_REQUIRE_TOOLS=1 from scripts/test.sh, or CI).

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseSerialization
import GlimpseTestSupport
import Testing

/// Runs the pycocotools check on `file`; returns its JSON report.
func pycocotoolsReport(_ file: String) throws -> JSONValue {
    _ = try ExternalTool.python3.require()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [repositoryRoot + "/Tests/GlimpseDatasetsTests/pycocotools/run_check.sh", file]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus == 77 {
        throw DatasetError(.unreadable, file: file, "python3 cannot create a venv (install python3-venv): \(errorText)")
    }
    guard process.terminationStatus == 0 else {
        throw DatasetError(.unreadable, file: file, "pycocotools check exited \(process.terminationStatus): \(errorText)")
    }
    // pycocotools prints progress lines first; the report is the last line.
    let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    return try JSONValue.parse(Array(last.utf8), file: "pycocotools report")
}

/// The report's per-annotation entries by id.
func reportedAnnotations(_ report: JSONValue) -> [Int: JSONValue] {
    guard case let .array(items)? = report["annotations"] else { return [:] }
    var out = [Int: JSONValue]()
    for item in items { if let id = item["id"]?.doubleValue { out[Int(id)] = item } }
    return out
}

func numbers(_ value: JSONValue?) -> [Double] {
    guard case let .array(items)? = value else { return [] }
    return items.compactMap(\.doubleValue)
}

@Suite("pycocotools", .serialized, .enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
struct PycocotoolsTests {
    @Test func generatedSceneSetLoadsWithTheSameBoxesAreasAndMasks() throws {
        let generator = try #require(sharedGenerator)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try SceneSetWriter(generator: generator).write(split: .test, count: 12, seed: 31, to: directory)
        let report = try pycocotoolsReport(directory + "/test/instances.json")
        #expect(report["images"] == .number(12))
        #expect(report["categories"] == .number(10))
        let seen = reportedAnnotations(report)
        #expect(seen.count == written.instances.annotations.count)
        for annotation in written.instances.annotations {
            let entry = try #require(seen[annotation.id])
            guard case let .rle(rle)? = annotation.segmentation else { Issue.record("no RLE"); continue }
            // Same box and area as stated, and pycocotools' decoded mask is ours exactly: its
            // area and box equal the stated ones and its own RLE string equals ours.
            #expect(numbers(entry["bbox"]) == annotation.bbox)
            #expect(entry["mask_area"] == .number(annotation.area))
            #expect(numbers(entry["mask_bbox"]) == annotation.bbox)
            #expect(entry["mask_counts"] == .string(rle.compressedString))
        }
    }

    @Test func polygonMasksAgreeWithAnnToMaskWithinEdgePixels() throws {
        // labelme's real polygons, re-written by the project's writer, plus shapes with
        // fractional and shared vertices.
        var file = try COCOInstances.read(datasetsPath("voc-mini/annotations.json"))
        file.images.append(COCOImage(id: 9, fileName: "synthetic.png", width: 40, height: 30))
        let shapes: [[[Double]]] = [
            [[2, 2, 20, 2, 20, 12, 2, 12]],
            [[5.5, 3.25, 30.75, 8.5, 12.2, 27.9]],
            [[1, 1, 10, 1, 10, 10, 1, 10], [10, 1, 19, 1, 19, 10, 10, 10]],
            [[20, 15, 39.5, 15, 39.5, 29.5, 20, 29.5, 30, 22]],
        ]
        for (k, polygons) in shapes.enumerated() {
            let mask = PolygonRasterizer.mask(polygons: polygons, width: 40, height: 30)
            let edges = try #require(mask.tightBox())
            file.annotations.append(COCOAnnotation(
                id: 100 + k, imageID: 9, categoryID: 1,
                bbox: [Double(edges.x0), Double(edges.y0), Double(edges.x1 - edges.x0), Double(edges.y1 - edges.y0)],
                area: Double(mask.area), segmentation: .polygons(polygons)))
        }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try file.write(to: directory + "/polygons.json")
        let seen = reportedAnnotations(try pycocotoolsReport(directory + "/polygons.json"))
        #expect(seen.count == file.annotations.count)
        var worst = 0.0, report = [String]()
        for annotation in file.annotations {
            let image = file.images.first { $0.id == annotation.imageID }!
            let entry = try #require(seen[annotation.id])
            #expect(numbers(entry["bbox"]) == annotation.bbox)
            guard case let .string(counts)? = entry["mask_counts"],
                  let theirs = RunLengthMask(height: image.height, width: image.width, compressed: counts)?.decoded() else {
                Issue.record("annotation \(annotation.id): no mask from pycocotools"); continue
            }
            let ours = try #require(annotation.mask(width: image.width, height: image.height))
            // Disagreement only along the outline: at most one pixel per boundary pixel row or
            // column of the box, i.e. the box perimeter; in practice far less.
            let differing = ours.differingPixels(from: theirs)
            let perimeter = 2 * (annotation.bbox[2] + annotation.bbox[3])
            #expect(Double(differing) <= perimeter, "annotation \(annotation.id): \(differing) pixels differ")
            worst = max(worst, Double(differing) / perimeter)
            report.append("\(annotation.id): \(differing)/\(ours.area)")
        }
        print("polygon -> mask vs pycocotools annToMask, differing/area pixels per annotation: "
              + report.joined(separator: ", ") + "; worst differing / box perimeter \(worst)")
    }
}
