// ImageCommands: `glimpse image info`, `glimpse image convert` and `glimpse augment`, thin
// command-line wrappers over GlimpseImaging for looking at files and at what augmentation does.

import ArgumentParser
import Foundation
import GlimpseImaging

/// `glimpse image`: inspect and convert image files.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Inspect and convert PNG and JPEG files.",
        subcommands: [Info.self, Convert.self])

    /// `glimpse image info FILE...`.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print format, displayed size, channels, bit depth and EXIF orientation of each file.",
            discussion: "Each file is fully decoded to check it, unless --header-only is given. "
                + "The exit status is 1 when any file could not be read.")

        @Argument(help: "PNG or JPEG files (the format is told from the bytes).")
        var files: [String]

        @Flag(help: "Read only the headers (fast; does not detect damage in the pixel data).")
        var headerOnly = false

        @Option(help: "The largest width x height to decode.")
        var pixelBudget = 100_000_000

        mutating func validate() throws {
            guard !files.isEmpty else { throw ValidationError("Give at least one file.") }
            guard pixelBudget > 0 else { throw ValidationError("--pixel-budget must be positive.") }
        }

        func run() throws {
            var failures = 0
            for file in files {
                do {
                    let info = try ImageFile.info(file)
                    if !headerOnly {
                        _ = try ImageFile.read(file, options: DecodeOptions(pixelBudget: pixelBudget))
                    }
                    print(Self.describe(info, file: file))
                } catch {
                    failures += 1
                    printError("error: \(error)")
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }

        /// "file: PNG 451x300, 3 channels (RGB), 8-bit, orientation -".
        static func describe(_ info: ImageInfo, file: String) -> String {
            let layout = info.format == .png ? (info.interlaced ? ", interlaced" : "")
                                             : (info.interlaced ? ", progressive" : ", baseline")
            let orientation = info.orientation.map(String.init) ?? "-"
            return "\(file): \(info.format.rawValue.uppercased()) \(info.width)x\(info.height), "
                + "\(info.channels) channel\(info.channels == 1 ? "" : "s") (\(info.colorModel)), "
                + "\(info.bitDepth)-bit\(layout), orientation \(orientation)"
        }
    }

    /// `glimpse image convert IN OUT [--resize WxH]`.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode an image (EXIF orientation applied) and write it as PNG or JPEG.",
            discussion: "The output format follows OUT's extension (.png, .jpg, .jpeg). The write is atomic.")

        @Argument(help: "The input PNG or JPEG.")
        var input: String

        @Argument(help: "The output file.")
        var output: String

        @Option(help: "Resize to WIDTHxHEIGHT (bilinear when enlarging, area averaging when shrinking).")
        var resize: String?

        @Option(help: "JPEG quality, 1-100.")
        var quality = 90

        @Flag(help: "Keep the stored pixel order instead of applying the EXIF orientation.")
        var ignoreOrientation = false

        @Option(help: "The largest width x height to decode.")
        var pixelBudget = 100_000_000

        @Option(help: "The most memory the resize may allocate, in MiB (its Float row pass and the output); larger resizes are refused before allocating.")
        var memoryBudget = 1024

        mutating func validate() throws {
            guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1-100.") }
            guard pixelBudget > 0 else { throw ValidationError("--pixel-budget must be positive.") }
            guard memoryBudget > 0 else { throw ValidationError("--memory-budget must be positive.") }
            if let resize { _ = try parseSize(resize) }
            guard ImageFormat.forWriting(path: output) != nil else {
                throw ValidationError("Cannot tell the output format from '\(output)'; use .png, .jpg or .jpeg.")
            }
        }

        func run() throws {
            var image = try ImageFile.read(input, options: DecodeOptions(pixelBudget: pixelBudget, applyOrientation: !ignoreOrientation))
            if let resize {
                let (width, height) = try parseSize(resize)
                // Checked before the resize allocates anything (issue 19, defect 9).
                let needed = Image.resizeBytes(width: image.width, height: image.height, channels: image.channels,
                                               newWidth: width, newHeight: height)
                let mebibyte = Double(1 << 20)
                if needed > Double(memoryBudget) * mebibyte {
                    printError("error: \(input): resizing \(image.width)x\(image.height) (\(image.channels) channels) to "
                        + "\(width)x\(height) needs about \(String(format: "%.0f", needed / mebibyte)) MiB, over the memory budget "
                        + "of \(memoryBudget) MiB (--memory-budget); nothing was written")
                    throw ExitCode(1)
                }
                image = image.resized(width: width, height: height)
            }
            try ImageFile.write(image, to: output, quality: quality)
            print("\(output): \(image.width)x\(image.height), \(image.channels) channel\(image.channels == 1 ? "" : "s")")
        }
    }
}

/// `glimpse augment IN OUT --ops ... --seed N`.
struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Apply an augmentation pipeline to one image to see what it does.",
        discussion: """
            --ops is a comma-separated list of NAME or NAME:VALUE, applied in order:
            \(AugmentationPipeline.registry.keys.sorted().map { "  \($0): \(AugmentationPipeline.registry[$0]!.help)" }.joined(separator: "\n"))
            With --labels, the label map follows the pixels and is drawn over the output as a translucent overlay.
            """)

    @Argument(help: "The input PNG or JPEG.")
    var input: String

    @Argument(help: "The output file (.png, .jpg or .jpeg).")
    var output: String

    @Option(help: "The augmentations, e.g. crop:0.6,flip,rotate:10,brightness:0.2.")
    var ops: String

    @Option(help: "The random seed; the same seed gives the same output.")
    var seed: UInt64 = 0

    @Option(help: "A palette PNG label map (for example a VOC mask) to augment with the image and overlay.")
    var labels: String?

    mutating func validate() throws {
        do { _ = try AugmentationPipeline(spec: ops) } catch { throw ValidationError("\(error)") }
        guard ImageFormat.forWriting(path: output) != nil else {
            throw ValidationError("Cannot tell the output format from '\(output)'; use .png, .jpg or .jpeg.")
        }
    }

    func run() throws {
        let pipeline = try AugmentationPipeline(spec: ops)
        let image = try ImageFile.read(input)
        let labelMap = try labels.map { try ImageFile.readLabelMap($0) }
        if let labelMap, let labels, labelMap.width != image.width || labelMap.height != image.height {
            // an error in the files, not in the command line: no usage text under it
            printError("error: \(labels): the label map is \(labelMap.width)x\(labelMap.height) but the image \(input) "
                + "is \(image.width)x\(image.height)")
            throw ExitCode(1)
        }
        let result = pipeline.apply(AnnotatedImage(image: image, labels: labelMap), seed: seed)
        let picture = result.labels.map { result.image.annotated(labels: $0) } ?? result.image
        try ImageFile.write(picture, to: output)
        print("\(output): \(picture.width)x\(picture.height) after \(pipeline.steps.map(\.name).joined(separator: ", ")) (seed \(seed))")
    }
}

/// "WIDTHxHEIGHT" -> (width, height), both positive; whether that size fits in memory is the
/// memory budget's question, asked once the input's size is known.
private func parseSize(_ text: String) throws -> (Int, Int) {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else {
        throw ValidationError("Size '\(text)' is not WIDTHxHEIGHT with positive whole numbers.")
    }
    return (width, height)
}
