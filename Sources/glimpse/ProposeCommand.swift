// `glimpse propose`: object proposals for image files, by selective search or a trained region
// proposal network.

import ArgumentParser
import Foundation
import GlimpseDetection
import GlimpseFiles
import GlimpseImaging
import GlimpseProposals
import GlimpseSerialization
import GlimpseTensor

/// `glimpse propose IMAGE...`
struct ProposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Object proposals, best first: selective search (Uijlings et al. 2013) or a region proposal network (Ren et al. 2015).",
        discussion: """
            --format lines prints one `x y w h` line per proposal (pixels, x and y of the top-left \
            corner); with several images each block starts with `# FILE`. --out DIR writes \
            DIR/<image name without extension>.txt per image instead (the layout `glimpse eval \
            proposals --pred DIR` reads). --timing prints seconds, proposal count and the process's \
            peak resident memory per image to standard error.
            """)

    @Argument(help: "PNG or JPEG files.")
    var images: [String]
    @Option(help: "selective-search or rpn.")
    var proposer = "selective-search"
    @Option(help: "rpn: the weights written by glimpse train proposer.")
    var weights = "datasets/weights/rpn-scenes.safetensors"
    @Option(help: "Selective search: single, fast or quality.")
    var mode = "fast"
    @Option(name: .customLong("max"), help: "Most proposals per image.")
    var maxProposals = 2000
    @Option(help: "rpn: anchors of highest objectness decoded before NMS.")
    var preNms = 6000
    @Option(help: "rpn: NMS between proposals suppresses IoU above this.")
    var nms = 0.7
    @Option(help: "Seed of the ranking's random factors.")
    var seed: UInt64 = 0
    @Option(help: "lines or json.")
    var format = "lines"
    @Option(help: "Write one proposal file per image into this folder instead of printing.")
    var out: String?
    @Option(help: "Draw the top proposals on the (first) image into this PNG.")
    var preview: String?
    @Option(help: "Proposals drawn by --preview.")
    var previewCount = 50
    @Option(help: "Override the mode's segmentation thresholds, e.g. 50,100.")
    var ks: String?
    @Option(help: "Override the mode's colour spaces, e.g. hsv,lab (rgb, hsv, lab, rgi, i, h).")
    var colorSpaces: String?
    @Option(help: "Override the mode's similarity combinations, e.g. CTSF,TSF (C colour, T texture, S size, F fill).")
    var similarities: String?
    @Option(help: "Override the minimum region size (default: k).")
    var minSize: Int?
    @Option(help: "Override the segmentation's Gaussian sigma (default 0.8).")
    var sigma: Float?
    @Flag(help: "Print seconds, proposals and peak memory per image to standard error.")
    var timing = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Give at least one image.") }
        guard ["selective-search", "rpn"].contains(proposer) else { throw ValidationError("--proposer must be selective-search or rpn") }
        guard SelectiveSearchParameters.Mode(rawValue: mode) != nil else { throw ValidationError("--mode must be single, fast or quality") }
        guard maxProposals >= 1 else { throw ValidationError("--max must be at least 1") }
        guard preNms >= 1 else { throw ValidationError("--pre-nms must be at least 1") }
        guard (0...1).contains(nms) else { throw ValidationError("--nms must be in [0, 1]") }
        guard ["lines", "json"].contains(format) else { throw ValidationError("--format must be lines or json") }
        guard previewCount >= 1 else { throw ValidationError("--preview-count must be at least 1") }
    }

    func run() throws {
        let threads = compute.apply()
        var options = ["mode": mode, "max": String(maxProposals), "seed": String(seed), "threads": String(threads)]
        options["ks"] = ks
        options["color_spaces"] = colorSpaces
        options["similarities"] = similarities
        options["min_size"] = minSize.map(String.init)
        options["sigma"] = sigma.map { String($0) }
        let parameters: SelectiveSearchParameters
        do {
            parameters = try SelectiveSearchParameters(options: options, file: "command line")
        } catch {
            throw ValidationError("\(error)")
        }
        let propose: (Image) throws -> [BoundingBox]
        if self.proposer == RegionProposalNetwork.conformanceName {
            let network: RegionProposalNetwork
            do {
                network = try RegionProposalNetwork(weights: ProjectPaths.resolve(weights), settings: RPNProposalSettings(preNMS: preNms, nmsThreshold: nms, maxProposals: maxProposals))
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            propose = { network.propose(in: $0) }
        } else {
            let search = SelectiveSearch(parameters: parameters)
            propose = { try search.propose(in: $0) }
        }
        var (totalSeconds, totalProposals, timed) = (0.0, 0, 0)
        if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        var failures = 0
        var json: [String] = []
        for (index, file) in images.enumerated() {
            do {
                let image = try ImageFile.read(file)
                let start = DispatchTime.now().uptimeNanoseconds
                let boxes = try propose(image)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                (totalSeconds, totalProposals, timed) = (totalSeconds + seconds, totalProposals + boxes.count, timed + 1)
                if timing {
                    printError(String(format: "%@ %dx%d %@ threads %d: %.4f s, %d proposals, peak RSS %.1f MB",
                                      file, image.width, image.height, self.proposer == "rpn" ? "rpn" : mode, threads, seconds,
                                      boxes.count, peakResidentMB()))
                }
                if format == "json" {
                    let entry = proposalsJSON(file: file, image: image, boxes: boxes)
                    if let out {
                        try AtomicFile.write(Array((entry.serialized() + "\n").utf8),
                                             to: URL(fileURLWithPath: out).appendingPathComponent(stem(file) + ".json"))
                    } else {
                        json.append(entry.serialized())
                    }
                } else if let out {
                    try AtomicFile.write(Array(ProposalListText.format(boxes).utf8),
                                         to: URL(fileURLWithPath: out).appendingPathComponent(stem(file) + ".txt"))
                } else {
                    if images.count > 1 { print("# \(file)") }
                    print(boxes.map { b in "\(Int(b.x0)) \(Int(b.y0)) \(Int(b.width)) \(Int(b.height))" }.joined(separator: "\n"))
                }
                if index == 0, let preview {
                    let shown = boxes.prefix(previewCount).map { b -> BoundingBox in var c = b; c.label = 0; return c }
                    var canvas = image.rgb()
                    for box in shown.reversed() { canvas.drawRectangle(box, color: Image.unlabelledBoxColor, thickness: 1) }
                    try ImageFile.write(canvas, to: preview)
                }
            } catch {
                failures += 1
                printError("error: \(error)")
            }
        }
        if format == "json" && out == nil { print("[" + json.joined(separator: ",\n") + "]") }
        if timing && timed > 0 {
            printError(String(format: "%@: %d images in %.3f s: %.2f images/s, %.1f ms/image, %.0f proposals/s (%.1f per image), threads %d",
                              self.proposer == "rpn" ? "rpn" : "selective-search \(mode)", timed, totalSeconds,
                              Double(timed) / max(totalSeconds, 1e-9), 1000 * totalSeconds / Double(timed),
                              Double(totalProposals) / max(totalSeconds, 1e-9), Double(totalProposals) / Double(timed), threads))
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// The file name without folder and extension.
    private func stem(_ file: String) -> String {
        URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    /// One image's proposals as JSON: `{"file", "width", "height", "boxes_xywh_score": [[x, y,
    /// w, h, score], ...]}`, whole pixels and the score rounded to four decimals.
    private func proposalsJSON(file: String, image: Image, boxes: [BoundingBox]) -> JSONValue {
        let list = boxes.map { b -> JSONValue in
            let score = ((Double(b.score ?? 0)) * 10_000).rounded() / 10_000
            return .array([.integer(Int(b.x0)), .integer(Int(b.y0)), .integer(Int(b.width)), .integer(Int(b.height)), .number(score)])
        }
        return .object([("file", .string(file)), ("width", .integer(image.width)), ("height", .integer(image.height)),
                        ("boxes_xywh_score", .array(list))])
    }
}

/// The process's peak resident set size so far, in megabytes (getrusage; Linux reports KiB).
func peakResidentMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
