// `glimpse eval detections`: COCO detection metrics (pycocotools' COCOeval, bbox or segm),
// per-category AP and PASCAL VOC AP of a results file against COCO ground truth.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseFiles
import GlimpseSerialization

/// `glimpse eval detections`
struct EvalDetections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detections",
        abstract: "COCO AP/AR (as pycocotools), per-category AP and VOC AP of detection results.",
        discussion: """
            --gt is a COCO instances file, --pred a COCO results file (a JSON array of image_id, \
            category_id, score and bbox and/or segmentation). The 12 summary lines are pycocotools' \
            COCOeval figures (checked to 1e-6 in the tests); VOC AP is at IoU > 0.5 with crowd regions \
            as VOC's difficult objects. Warnings name the reference's traps met on these files \
            (ground-truth id 0, maxDets, categories without ground truth). Exit status 1 for bad \
            inputs (the message names the file and the result index), 2 for usage errors.
            """)

    @Option(help: "COCO instances JSON (the ground truth).")
    var gt: String
    @Option(help: "COCO results JSON (the detections).")
    var pred: String
    @Option(help: """
        A COCO file whose images give the results' image ids file names (a `glimpse run` output's \
        boxes.coco.json): results are matched to the ground truth's images by file name, not by id.
        """)
    var images: String?
    @Option(help: "bbox or segm.")
    var iouType = "bbox"
    @Option(help: "Three ascending detection caps per image and category (pycocotools' maxDets).")
    var maxDets = "1,10,100"
    @Option(help: "Write everything as JSON to this file (atomically).")
    var json: String?
    @OptionGroup var compute: ComputeOptions

    func maxDetections() throws -> [Int] {
        let parts = maxDets.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, parts.count == 3, values[0] >= 1, values == values.sorted() else {
            throw ValidationError("--max-dets must be three ascending positive integers, e.g. 1,10,100")
        }
        return values
    }

    func validate() throws {
        guard COCOIoUType(rawValue: iouType) != nil else { throw ValidationError("--iou-type must be bbox or segm") }
        _ = try maxDetections()
    }

    func run() throws {
        compute.apply()
        do {
            let start = Date()
            let groundTruth = try COCOInstances.read(gt)
            let results = try images.map { try Self.resultsMatchedByFileName(pred, images: $0, groundTruth: groundTruth, groundTruthFile: gt) }
                ?? COCOResults.read(pred, groundTruth: groundTruth, groundTruthFile: gt)
            let parameters = COCOEvaluationParameters(iouType: COCOIoUType(rawValue: iouType)!, maxDetections: try maxDetections())
            let report = DetectionEvaluationReport.evaluate(groundTruth: groundTruth, groundTruthFile: gt, results: results,
                                                            parameters: parameters)
            let seconds = Date().timeIntervalSince(start)
            print(Self.text(report, seconds: seconds))
            if let json {
                do {
                    try AtomicFile.write(Array((report.json().serialized() + "\n").utf8), to: URL(fileURLWithPath: json))
                } catch {
                    throw EvaluationError(.unwritable, file: json, "\(error)")
                }
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// `pred` with every image id replaced by the ground truth's id of the image with the same
    /// file name (last path component) in `images`; throws naming the file when a name is unknown.
    static func resultsMatchedByFileName(_ pred: String, images: String, groundTruth: COCOInstances,
                                         groundTruthFile: String) throws -> COCOResults {
        let named = try COCOInstances.read(images)
        var truthID = [String: Int]()
        for image in groundTruth.images { truthID[URL(fileURLWithPath: image.fileName).lastPathComponent] = image.id }
        var mapped = [Int: Int]()
        for image in named.images {
            let name = URL(fileURLWithPath: image.fileName).lastPathComponent
            guard let id = truthID[name] else {
                throw EvaluationError(.mismatch, file: images, "image \(image.id) \"\(name)\" is not an image of \(groundTruthFile)")
            }
            mapped[image.id] = id
        }
        guard let data = FileManager.default.contents(atPath: pred) else {
            throw EvaluationError(.unreadable, file: pred, "no such file or it cannot be read")
        }
        let root: JSONValue
        do {
            root = try JSONParser().parse([UInt8](data))
        } catch {
            throw EvaluationError(.syntax, file: pred, error.message)
        }
        guard case .array(let list) = root else {
            throw EvaluationError(.invalidEntry, file: pred, "not a JSON array of results")
        }
        let remapped = try list.enumerated().map { index, entry -> JSONValue in
            guard case .object(let members) = entry, let old = entry["image_id"]?.doubleValue, let id = mapped[Int(old)] else {
                throw EvaluationError(.mismatch, file: pred, "result \(index): its image_id is not an image of \(images)")
            }
            return .object(members.map { $0.key == "image_id" ? (key: "image_id", value: .integer(id)) : $0 })
        }
        return try COCOResults.decode(.array(remapped), file: pred, groundTruth: groundTruth, groundTruthFile: groundTruthFile)
    }

    /// The readable report: files, pycocotools' 12 lines, the per-category table, VOC means, warnings.
    static func text(_ report: DetectionEvaluationReport, seconds: Double) -> String {
        var lines = [String]()
        let p = report.accumulation.parameters
        lines.append("ground truth: \(report.groundTruthFile) (\(report.imageCount) images, \(report.annotationCount) annotations, "
            + "\(report.categories.count) categories)")
        lines.append("results: \(report.resultsFile) (\(report.detectionCount) detections); iou type \(p.iouType.rawValue); "
            + String(format: "%.2f s", seconds))
        lines.append("")
        lines.append(contentsOf: report.accumulation.summary().map(\.text))
        lines.append("")
        func cell(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "    -" }
        let nameWidth = max(8, report.categories.map(\.name.count).max() ?? 0)
        lines.append("per category (COCO \(p.iouType.rawValue) AP at maxDets=\(p.maxDetections[2]); VOC AP on boxes at IoU > 0.5):")
        lines.append("   id  " + "name".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            + "     gt  crowd   dets     AP   AP50  VOC07  VOC10+")
        for c in report.categories {
            lines.append(String(format: "%5d  ", c.id) + c.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + String(format: " %6d %6d %6d", c.groundTruths, c.crowdRegions, c.detections)
                + "  \(cell(c.averagePrecision))  \(cell(c.averagePrecision50))  \(cell(c.vocElevenPoint))   \(cell(c.vocAllPoint))")
        }
        lines.append("")
        lines.append("VOC mAP@0.5: 11-point (VOC2007) \(cell(report.vocElevenPointMean)), all-point (VOC2010+) \(cell(report.vocAllPointMean))")
        for warning in report.warnings { lines.append("warning: " + warning) }
        return lines.joined(separator: "\n")
    }
}
