// `glimpse eval segmentation`: the FCN paper's pixel accuracy, mean class accuracy, mean IoU,
// frequency-weighted IoU and per-class IoU of predicted label maps against ground-truth ones.
// The numbers come from GlimpseEvaluation (ConfusionMatrix, SegmentationMetrics); this file
// finds the class names, prints the table and writes the JSON.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseFiles
import GlimpseTensor

/// `glimpse eval segmentation`
struct EvalSegmentation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segmentation",
        abstract: "Pixel accuracy, mean class accuracy, mean IoU, frequency-weighted IoU and per-class IoU of label maps.",
        discussion: """
            --gt and --pred are folders of label-map PNGs (palette or 8-bit gray; the pixel value \
            is the class id), matched by path relative to each folder, searched recursively. One \
            confusion matrix counts every pixel whose ground truth is not the ignore label; the \
            metrics are those of the FCN paper (Long et al. 2015, section 5) as FCN's score.py \
            computes them: classes absent from both maps are left out of the means. Class names: \
            --classes, --coco, or else the instances.json found in --gt or its parent folder (a \
            scene split's), id k = category k, 0 = background; without any, the classes are 0 to \
            the largest id found. A predicted value that is not a class counts as a miss and is \
            reported. See docs/eval-segmentation.md.
            """)

    @Option(help: "Folder of ground-truth label maps.")
    var gt: String
    @Option(help: "Folder of predicted label maps, same relative paths.")
    var pred: String
    @Option(help: "Ground-truth value whose pixels are skipped (0-255).")
    var ignore = 255
    @Option(help: "Comma-separated class names, in id order from 0.")
    var classes: String?
    @Option(help: "COCO instances JSON naming the classes (category id = label-map value).")
    var coco: String?
    @Option(help: "Write everything (metrics, per-class figures, confusion matrix) to this JSON file.")
    var json: String?
    @OptionGroup var compute: ComputeOptions

    func classNames() throws -> [String]? {
        guard let classes else { return nil }
        let names = classes.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard names.allSatisfy({ !$0.isEmpty }), names.count <= 256 else {
            throw ValidationError("--classes must be 1 to 256 non-empty comma-separated names")
        }
        return names
    }

    func validate() throws {
        guard (0...255).contains(ignore) else { throw ValidationError("--ignore must be 0-255, not \(ignore)") }
        guard classes == nil || coco == nil else { throw ValidationError("give --classes or --coco, not both") }
        _ = try classNames()
    }

    func run() throws {
        compute.apply()
        do {
            let ignoreLabel = UInt8(ignore)
            let pairs = try LabelMapPairs(groundTruth: gt, prediction: pred)
            let named = try namedClasses(ignoreLabel: ignoreLabel)
            let evaluation = try SegmentationEvaluation(pairs: pairs, classCount: named?.names.count, ignoreLabel: ignoreLabel)
            let classes = named ?? .numbered(
                evaluation.matrix.classCount,
                source: "the label maps (ids 0-\(evaluation.matrix.classCount - 1); no instances.json beside the ground truth)")
            printReport(evaluation, classes: classes)
            warn(evaluation)
            if let json {
                let text = evaluation.json(classes: classes).serialized() + "\n"
                do {
                    try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: json))
                } catch {
                    throw EvaluationError(.unwritable, file: json, "\(error)")
                }
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// The classes from --classes, --coco or an instances.json beside the ground truth; nil when
    /// none is given or found (the label maps decide the count).
    func namedClasses(ignoreLabel: UInt8) throws -> SegmentationClasses? {
        if let names = try classNames() { return SegmentationClasses(names: names, source: "--classes") }
        let folder = URL(fileURLWithPath: gt)
        let candidates = coco.map { [$0] } ?? [folder.appendingPathComponent("instances.json").path,
                                             folder.deletingLastPathComponent().appendingPathComponent("instances.json").path]
        guard let file = candidates.first(where: { coco != nil || FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return try SegmentationClasses.coco(COCOInstances.read(file), file: file, ignoreLabel: ignoreLabel)
    }

    func printReport(_ evaluation: SegmentationEvaluation, classes: SegmentationClasses) {
        let matrix = evaluation.matrix, metrics = SegmentationMetrics(matrix)
        func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
        print("ground truth: \(gt) (\(evaluation.pairs.relativePaths.count) label maps); predictions: \(pred)")
        print("classes: \(classes.names.count), names from \(classes.source); "
              + "\(matrix.countedPixels) pixels counted, \(matrix.ignoredPixels) ignored (ground truth \(ignore))")
        print("pixel accuracy          \(figure(metrics.pixelAccuracy))")
        print("mean class accuracy     \(figure(metrics.meanClassAccuracy))  (\(metrics.classesInMeanAccuracy) classes in the ground truth)")
        print("mean IoU                \(figure(metrics.meanIoU))  (\(metrics.classesInMeanIoU) classes in ground truth or prediction)")
        print("frequency-weighted IoU  \(figure(metrics.frequencyWeightedIoU))")
        let width = max(5, classes.names.map(\.count).max() ?? 0)
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        print(" id  " + pad("class", width) + "  IoU     accuracy  ground-truth px  predicted px")
        for i in 0..<matrix.classCount {
            let id = String(repeating: " ", count: max(0, 3 - String(i).count)) + String(i)
            print(id + "  " + pad(classes.names[i], width) + "  " + pad(figure(metrics.classIoU[i]), 6) + "  "
                  + pad(figure(metrics.classAccuracy[i]), 8) + "  " + pad(String(metrics.groundTruthPixels[i]), 15)
                  + "  " + String(metrics.predictedPixels[i]))
        }
        if metrics.classIoU.contains(where: { $0 == nil }) || metrics.classAccuracy.contains(where: { $0 == nil }) {
            print("-: undefined (class absent from the ground truth, or from both maps for IoU); left out of the means")
        }
    }

    /// Out-of-range predictions, unmatched predictions and skipped files, on standard error.
    func warn(_ evaluation: SegmentationEvaluation) {
        let matrix = evaluation.matrix, pairs = evaluation.pairs
        if matrix.outOfRangePixels > 0 {
            let values = (0..<256).filter { matrix.outOfRangePredictions[$0] > 0 }.map(String.init).joined(separator: ", ")
            let first = evaluation.outOfRangeFiles.first.map { ", first \(pred)/\($0.path) (\($0.pixels) pixels)" } ?? ""
            printError("warning: \(matrix.outOfRangePixels) predicted pixels in \(evaluation.outOfRangeFiles.count) files have "
                       + "values that are not classes (\(values); classes are 0-\(matrix.classCount - 1))\(first); counted as misses")
        }
        if !pairs.unmatchedPredictions.isEmpty {
            printError("warning: \(pairs.unmatchedPredictions.count) predicted label maps have no ground truth "
                       + "(e.g. \(pred)/\(pairs.unmatchedPredictions[0])); not evaluated")
        }
        if pairs.skippedGroundTruthFiles + pairs.skippedPredictionFiles > 0 {
            printError("note: skipped \(pairs.skippedGroundTruthFiles) non-.png files in \(gt), \(pairs.skippedPredictionFiles) in \(pred)")
        }
    }
}
