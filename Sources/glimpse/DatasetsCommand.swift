// DatasetsCommand: `glimpse datasets scenes | stats | show`, thin wrappers over GlimpseDatasets
// for generating the MNIST scene set, summarising a set and drawing one item.

import ArgumentParser
import Foundation
import GlimpseDatasets
import GlimpseFiles
import GlimpseImaging
import GlimpseSerialization
import GlimpseTensor

/// `glimpse datasets`: generate, summarise and look at labelled image sets.
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Generate, summarise and draw labelled image sets (MNIST scenes, COCO, VOC).",
        subcommands: [Scenes.self, Stats.self, Show.self])

    /// `glimpse datasets scenes --out DIR [--splits 2000,500,500 | --count N --split S] --seed S`.
    struct Scenes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate scenes of real MNIST digits on texture photos, with boxes, masks, label maps and captions.",
            discussion: """
                Without --count, writes the train, val and test splits given by --splits (default 2000,500,500) \
                into OUT/train, OUT/val and OUT/test. With --count N, writes N scenes of --split only. Each split \
                folder holds images/, labels/ (palette label maps), instances.json (COCO, RLE masks) and \
                captions.json (COCO captions); OUT/dataset.json records the settings. The same seed gives \
                byte-identical files whatever the thread count; the splits use separate random streams and \
                disjoint MNIST digits (train: MNIST train 0-49,999, val: 50,000-59,999, test: MNIST test).
                """)

        @Option(help: "The output folder.")
        var out: String

        @Option(help: "Scenes of --split to write (instead of all three --splits).")
        var count: Int?

        @Option(help: "The split --count writes: train, val or test.")
        var split: String = "train"

        @Option(help: "Scene counts for train,val,test when --count is not given.")
        var splits: String = "2000,500,500"

        @Option(help: "The random seed.")
        var seed: UInt64 = 1

        @Option(help: "Scene side in pixels.")
        var size: Int = 128

        @Option(help: "At most this many digits per scene.")
        var maxObjects: Int = 4

        @Option(help: "The MNIST folder.")
        var mnist: String = "datasets/mnist"

        @Option(help: "The folder with brick.png, grass.png and gravel.png.")
        var textures: String = "datasets/textures"

        @OptionGroup var compute: ComputeOptions

        mutating func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
            guard SceneSplit(rawValue: split) != nil else { throw ValidationError("--split must be train, val or test") }
            _ = try parsedSplits()
            guard size >= 32 && size <= 4096 else { throw ValidationError("--size must be 32-4096") }
            guard maxObjects >= 1 && maxObjects <= 64 else { throw ValidationError("--max-objects must be 1-64") }
        }

        func parsedSplits() throws -> [(SceneSplit, Int)] {
            if let count { return [(SceneSplit(rawValue: split)!, count)] }
            let parts = splits.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw ValidationError("--splits needs three non-negative counts TRAIN,VAL,TEST, e.g. 2000,500,500")
            }
            return zip(SceneSplit.allCases, parts.map { $0! }).filter { $0.1 > 0 }
        }

        func run() throws {
            let threads = compute.apply()
            let started = Date()
            let generator = try SceneGenerator(mnistDirectory: ProjectPaths.resolve(mnist),
                                               texturesDirectory: ProjectPaths.resolve(textures),
                                               size: size, maxObjects: maxObjects)
            let writer = SceneSetWriter(generator: generator)
            let loaded = Date()
            var manifest: [JSONMember] = [
                ("generator", .string("glimpse datasets scenes")), ("seed", .number(Double(seed))),
                ("size", .number(Double(size))), ("max_objects", .number(Double(maxObjects))),
            ]
            // Splits written earlier into OUT with the same settings stay listed in the manifest.
            var counts: [JSONMember] = []
            let manifestPath = out + "/dataset.json"
            if let previous = try? JSONValue.read(manifestPath),
               manifest.allSatisfy({ key, value in previous[key] == value }), case let .object(splits)? = previous["splits"] {
                counts = splits
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (split, n) in try parsedSplits() {
                let splitStart = Date()
                let written = try writer.write(split: split, count: n, seed: seed, to: out)
                print("\(out)/\(split.rawValue): \(n) scenes, \(written.instances.annotations.count) objects, "
                      + "\(written.captions.annotations.count) captions in "
                      + String(format: "%.1f s", Date().timeIntervalSince(splitStart)))
                counts.removeAll { $0.0 == split.rawValue }
                counts.append((split.rawValue, .number(Double(n))))
            }
            counts.sort { a, b in
                SceneSplit.allCases.firstIndex { $0.rawValue == a.0 } ?? 3 < SceneSplit.allCases.firstIndex { $0.rawValue == b.0 } ?? 3
            }
            manifest.append(("splits", .object(counts)))
            manifest.append(("classes", .array(SceneGenerator.classNames.map { .string($0) })))
            try AtomicFile.write(Array(JSONValue.object(manifest).serialized().utf8), to: URL(fileURLWithPath: manifestPath))
            print(String(format: "total %.1f s on %d thread%@ (loading MNIST and textures %.1f s)",
                         Date().timeIntervalSince(started), threads, threads == 1 ? "" : "s",
                         loaded.timeIntervalSince(started)))
        }
    }

    /// `glimpse datasets stats DIR`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print counts, class/colour/size/background histograms, caption vocabulary and lengths.",
            discussion: """
                DIR is a generated set (its train/val/test folders are summarised in turn), one split folder \
                (instances.json, optional captions.json), a COCO instances JSON file, or a VOC folder (Annotations/).
                """)

        @Argument(help: "The set, split folder, COCO file or VOC folder.")
        var directory: String

        func run() throws {
            for (name, instances, captions) in try load() {
                print("== \(name)")
                print(DatasetStatistics(instances: instances, captions: captions).report())
            }
        }

        func load() throws -> [(String, COCOInstances, COCOCaptions?)] {
            let fm = FileManager.default
            func split(_ folder: String) throws -> (String, COCOInstances, COCOCaptions?) {
                let captions = folder + "/captions.json"
                return (folder, try COCOInstances.read(folder + "/instances.json"),
                        fm.fileExists(atPath: captions) ? try COCOCaptions.read(captions) : nil)
            }
            if directory.hasSuffix(".json") { return [(directory, try COCOInstances.read(directory), nil)] }
            if fm.fileExists(atPath: directory + "/instances.json") { return [try split(directory)] }
            let splits = SceneSplit.allCases.map { directory + "/" + $0.rawValue }
                .filter { fm.fileExists(atPath: $0 + "/instances.json") }
            if !splits.isEmpty { return try splits.map(split) }
            if fm.fileExists(atPath: directory + "/Annotations") {
                return [(directory, try VOCFolder(directory: directory).cocoInstances(), nil)]
            }
            throw DatasetError(.unreadable, file: directory,
                               "no instances.json, train/val/test split folders or Annotations/ folder here")
        }
    }

    /// `glimpse datasets show DIR --index K --out F.png`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw one item with its boxes, masks, label map and captions.",
            discussion: """
                DIR is a split folder of a generated set (or the set, with --split), a folder holding a COCO \
                annotations.json or instances.json, or a VOC folder (Annotations/, JPEGImages/).
                """)

        @Argument(help: "The split folder, set, COCO folder or VOC folder.")
        var directory: String

        @Option(help: "The item to draw (0-based, in file order).")
        var index: Int = 0

        @Option(help: "The split to use when DIR is a whole generated set.")
        var split: String = "train"

        @Option(help: "The output PNG.")
        var out: String

        @Option(help: "Enlargement factor of the panels.")
        var scale: Int = 3

        mutating func validate() throws {
            guard index >= 0 else { throw ValidationError("--index must be non-negative") }
            guard (1...8).contains(scale) else { throw ValidationError("--scale must be 1-8") }
        }

        func run() throws {
            let source = try open()
            guard index < source.count else {
                throw ValidationError("--index \(index) is beyond the \(source.count) items of \(directory)")
            }
            let item = try source.item(at: index)
            try ImageFile.write(DatasetPreview.render(item, classNames: source.classNames, scale: scale), to: out, format: .png)
            print("\(out): item \(index) (\(item.name)), \(item.boxes?.count ?? 0) boxes, \(item.captions?.count ?? 0) captions")
        }

        func open() throws -> any LabelledImageSource {
            try LabelledSourceFolder.open(directory, split: split)
        }
    }
}
