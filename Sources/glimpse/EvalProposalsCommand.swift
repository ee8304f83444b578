// `glimpse eval proposals`: recall, average recall and MABO of proposal files against COCO boxes.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseProposals

/// `glimpse eval proposals`
struct EvalProposals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposals",
        abstract: "Recall@0.5, recall@0.7, average recall (IoU 0.5:0.95) and MABO of object proposals.",
        discussion: """
            --pred DIR holds one file per image of the COCO file, named after the image's file name \
            without extension plus .txt (what `glimpse propose --out DIR` writes), one `x y w h` \
            proposal per line, best first. Crowd annotations are left out. MABO is the mean over \
            categories of the average best overlap.
            """)

    @Option(help: "COCO instances JSON with the ground-truth boxes.")
    var gt: String
    @Option(help: "Folder of proposal files.")
    var pred: String
    @Option(help: "Comma-separated caps on proposals per image.")
    var top = "100,500,1000,2000"

    func caps() throws -> [Int] {
        let caps = top.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !caps.isEmpty, caps.count == top.split(separator: ",").count, caps.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--top must be a comma-separated list of positive integers")
        }
        return caps
    }

    func validate() throws { _ = try caps() }

    func run() throws {
        do {
            let instances = try COCOInstances.read(gt)
            let byImage = instances.annotationsByImage()
            var groundTruth: [[BoundingBox]] = [], proposals: [[BoundingBox]] = []
            for image in instances.images {
                let stem = URL(fileURLWithPath: image.fileName).deletingPathExtension().lastPathComponent
                let path = URL(fileURLWithPath: pred).appendingPathComponent(stem + ".txt").path
                proposals.append(try Self.readProposals(path))
                groundTruth.append((byImage[image.id] ?? []).filter { !$0.isCrowd }.map(\.boundingBox))
            }
            let scores = ProposalMetrics.evaluate(groundTruth: groundTruth, proposals: proposals, caps: try caps())
            print("ground truth: \(gt) (\(instances.images.count) images, \(scores.first?.objects ?? 0) objects); proposals: \(pred)")
            print(" cap  proposals/image  recall@0.5  recall@0.7  AR      MABO")
            for s in scores {
                print(String(format: "%5d  %15.1f  %10.4f  %10.4f  %.4f  %.4f",
                             s.cap, s.meanProposals, s.recall50, s.recall70, s.averageRecall, s.mabo))
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Proposals of one file: `x y w h` per line (blank lines skipped), best first.
    static func readProposals(_ path: String) throws -> [BoundingBox] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProposalFileError(file: path, line: nil, detail: "cannot read the proposal file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProposalFileError(file: path, line: nil, detail: "not UTF-8 text")
        }
        return try ProposalListText.parse(text, file: path)
    }
}
