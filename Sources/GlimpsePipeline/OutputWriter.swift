// OutputWriter: the files a run writes, each atomically (GlimpseFiles' AtomicFile).
//
// Per image (deferred durability: no fsync per file; BatchRunner's one syncfs per batch of
// ledger lines makes them durable), mirroring the input tree under OUT: `STEM.json` (always, written last so its
// presence means the others are in place), `STEM.mask.png` (segmenter), `STEM.preview.png`
// (when asked) and `.report/STEM.jpg` (the report's thumbnail). Per run, rebuilt from the
// per-image JSON at the end so a resumed run writes the same bytes: `boxes.coco.json` and
// `boxes.results.json` (detector or proposer), `captions.jsonl` (caption stage), `report.html`.

import Foundation
import GlimpseFiles
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages

/// Writes per-image and per-run outputs for one pipeline into one folder.
public struct OutputWriter: Sendable {
    /// The pipeline whose outputs these are.
    public let pipeline: Pipeline
    /// The output folder.
    public let output: URL
    /// The longest side of a report thumbnail, in pixels.
    public static let thumbnailSide = 200

    /// Creates a writer.
    public init(pipeline: Pipeline, output: URL) {
        (self.pipeline, self.output) = (pipeline, output)
    }

    /// The per-image JSON file of `stem`; throws `OutputPathError` for a stem that would leave
    /// the output folder (every per-image path below goes through `OutputPath` the same way).
    public func jsonURL(stem: String) throws -> URL { try OutputPath.resolve(stem: stem, suffix: ".json", in: output) }

    /// The label map's path relative to the output folder.
    public func labelMapName(stem: String) -> String { stem + ".mask.png" }

    /// The label map of `stem`.
    func labelMapURL(stem: String) throws -> URL { try OutputPath.resolve(stem: stem, suffix: ".mask.png", in: output) }

    /// The preview of `stem`.
    func previewURL(stem: String) throws -> URL { try OutputPath.resolve(stem: stem, suffix: ".preview.png", in: output) }

    /// The thumbnail of `stem`.
    func thumbnailURL(stem: String) throws -> URL { try OutputPath.resolve(stem: stem, prefix: ".report/", suffix: ".jpg", in: output) }

    /// Whether every per-image output of `stem` exists (the test `--resume` uses); a segmenter
    /// that skipped the image as out of its domain left no mask, which its JSON records.
    public func outputsExist(stem: String) -> Bool {
        guard OutputPath.staysInside(stem), let json = try? jsonURL(stem: stem), let mask = try? labelMapURL(stem: stem) else { return false }
        var paths = [json]
        if pipeline.file.outputs.report, let thumbnail = try? thumbnailURL(stem: stem) { paths.append(thumbnail) }
        if pipeline.file.outputs.previews, let preview = try? previewURL(stem: stem) { paths.append(preview) }
        guard paths.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) else { return false }
        guard pipeline.hasSegmenter, !FileManager.default.fileExists(atPath: mask.path) else { return true }
        // no mask is complete only when the segmenter skipped the image as out of its domain
        return (try? ImageResult.read(json))?.isOutOfDomain(for: .segmenter) ?? false
    }

    /// Writes one image's outputs, the JSON last; throws `OutputPathError`, before writing
    /// anything, for a stem that would place a file outside the output folder.
    public func writeImageOutputs(_ outcome: ImageOutcome, stem: String) throws {
        let json = try jsonURL(stem: stem)
        let (mask, previewFile, thumbnail) = (try labelMapURL(stem: stem), try previewURL(stem: stem), try thumbnailURL(stem: stem))
        // BatchRunner.createFolder throws AtomicFileError naming the folder and the system's
        // reason, not Foundation's wording (issue 19)
        try BatchRunner.createFolder(json.deletingLastPathComponent())
        let result = outcome.result
        if let map = outcome.labelMap {
            try AtomicFile.write(PNG.encode(map, file: labelMapName(stem: stem)), to: mask, durability: .deferred)
        }
        if pipeline.file.outputs.previews {
            let preview = Self.annotate(outcome.image, result: result, labelMap: outcome.labelMap, side: nil)
            try AtomicFile.write(PNG.encode(preview, file: stem + ".preview.png"), to: previewFile, durability: .deferred)
        }
        if pipeline.file.outputs.report {
            try BatchRunner.createFolder(thumbnail.deletingLastPathComponent())
            let small = Self.annotate(outcome.image, result: result, labelMap: outcome.labelMap, side: Self.thumbnailSide)
            try AtomicFile.write(JPEG.encode(small, quality: 80, file: thumbnail.path), to: thumbnail, durability: .deferred)
        }
        try AtomicFile.write(Data(result.fileText.utf8), to: json, durability: .deferred)
    }

    /// The run-wide files, from the per-image JSON of the ok entries, in input order.
    public func writeRunOutputs(items: [InputItem], entries: [LedgerEntry]) throws {
        precondition(items.count == entries.count, "OutputWriter: one entry per input")
        var results = [(imageID: Int, stem: String, result: ImageResult)]()
        var imageID = 0
        for (item, entry) in zip(items, entries) where item.kind == .image {
            imageID += 1
            guard entry.status == .ok else { continue }
            results.append((imageID, item.stem, try ImageResult.read(try jsonURL(stem: item.stem))))
        }
        if let categories = pipeline.boxCategories {
            let coco = COCOExport(categories: categories, categoryIDs: pipeline.boxCategoryIDs, results: results)
            try AtomicFile.write(coco.datasetJSON(), to: output.appendingPathComponent("boxes.coco.json"))
            try AtomicFile.write(coco.resultsJSON(), to: output.appendingPathComponent("boxes.results.json"))
        }
        if pipeline.hasCaptioner {
            let lines = results.map { record -> String in
                let caption = record.result.captions?.first
                let line = CaptionLine(input: record.result.input, output: record.stem, caption: caption?.text ?? "",
                                       logProbability: caption?.logProbability ?? 0,
                                       outOfDomain: record.result.isOutOfDomain(for: .captioner))
                return line.json.encoderText(pretty: false) + "\n"
            }
            try AtomicFile.write(Data(lines.joined().utf8), to: output.appendingPathComponent("captions.jsonl"))
        }
        if pipeline.file.outputs.report {
            let page = ReportPage(pipelineName: pipeline.file.name, output: output, items: items, entries: entries,
                                  results: results.map { ($0.stem, $0.result) }, thumbnail: { try thumbnailURL(stem: $0) })
            try page.write(to: output.appendingPathComponent("report.html"))
        }
    }

    /// The image with the best boxes (20 on a preview, 10 on a thumbnail), the mask, and on a
    /// preview the top class and caption drawn; scaled first to fit `side` when given.
    static func annotate(_ image: Image, result: ImageResult, labelMap: LabelMap?, side: Int?) -> Image {
        var scale: Float = 1
        var base = image
        if let side, max(image.width, image.height) > side {
            scale = Float(side) / Float(max(image.width, image.height))
            base = image.resized(width: max(1, Int((Float(image.width) * scale).rounded())),
                                 height: max(1, Int((Float(image.height) * scale).rounded())))
        }
        var out = base.rgb()
        if let labelMap {
            out.overlay(labelMap.width == out.width && labelMap.height == out.height
                        ? labelMap : labelMap.resized(width: out.width, height: out.height))
        }
        let boxes = (result.exportedBoxes ?? []).prefix(side == nil ? 20 : 10)
        let names = Array(Set(boxes.map(\.label))).sorted()
        var classNames = [String](repeating: "", count: (names.last ?? -1) + 1)
        for box in boxes where box.label >= 0 { classNames[box.label] = box.category }
        out = out.annotated(boxes: boxes.map { record in
            var box = record.box
            (box.x0, box.y0, box.x1, box.y1) = (box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale)
            return box
        }, classNames: classNames, thickness: side == nil ? 2 : 1)
        // landmarks (a face detector's eyes, nose and mouth corners) as small squares in the box's colour
        for record in boxes {
            let color = record.label == 0 ? Image.unlabelledBoxColor : Palette.voc.color(UInt8(clamping: record.label))
            for point in record.landmarks ?? [] {
                out.drawLandmark(Landmark(x: point.x * scale, y: point.y * scale), color: color, radius: side == nil ? 2 : 1)
            }
        }
        if let top = result.classes?.first, side == nil {
            out.drawText(String(format: "%@ %.2f", top.label, top.probability), x: 2, y: 2, color: [255, 255, 255], background: [0, 0, 0])
        }
        if let caption = result.captions?.first?.text, side == nil {
            out.drawText(caption, x: 2, y: max(0, out.height - BitmapFont.glyphHeight - 3), color: [255, 255, 255], background: [0, 0, 0])
        }
        return out
    }
}
