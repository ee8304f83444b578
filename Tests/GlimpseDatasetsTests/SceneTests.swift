// SceneTests: the generated scenes' ground truth is consistent (tight boxes, masks inside boxes,
// label maps agreeing with masks), captions are many and true, files are deterministic, and the
// splits use disjoint digit images.

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseTensor
import Testing

/// One generator shared by the tests (loading MNIST takes a fraction of a second).
let sharedGenerator: SceneGenerator? = try? SceneGenerator(mnistDirectory: datasetsPath("mnist"),
                                                           texturesDirectory: datasetsPath("textures"),
                                                           size: 96, maxObjects: 5)

@Suite("Scenes")
struct SceneTests {
    @Test(arguments: SceneSplit.allCases)
    func everyBoxIsTheTightBoxOfItsMask(_ split: SceneSplit) throws {
        let generator = try #require(sharedGenerator)
        for index in 0..<30 {
            let scene = generator.scene(seed: 11, split: split, index: index)
            #expect(!scene.objects.isEmpty && scene.objects.count <= 5)
            for object in scene.objects {
                let edges = try #require(object.mask.tightBox())
                #expect(object.box == BoundingBox(x0: Float(edges.x0), y0: Float(edges.y0), x1: Float(edges.x1),
                                                  y1: Float(edges.y1), label: object.digit + 1))
                // Every mask pixel inside the box, and every box edge touches a mask pixel.
                for y in 0..<object.mask.height {
                    for x in 0..<object.mask.width where object.mask[x, y] {
                        #expect(Float(x) >= object.box.x0 && Float(x) < object.box.x1
                                && Float(y) >= object.box.y0 && Float(y) < object.box.y1)
                    }
                }
                #expect(object.box.width >= 2 && object.box.height >= 2)
            }
        }
    }

    @Test func labelMapAgreesWithTheMasks() throws {
        let generator = try #require(sharedGenerator)
        var ignored = 0, total = 0
        for index in 0..<30 {
            let scene = generator.scene(seed: 12, split: .train, index: index)
            for p in 0..<scene.labelMap.ids.count {
                let id = scene.labelMap.ids[p]
                let owners = scene.objects.filter { $0.mask.bits[p] }
                #expect(owners.count <= 1)  // weights sum to 1, so at most one exceeds 0.5
                if id == LabelMap.ignore { ignored += 1; continue }
                if id == 0 {
                    #expect(owners.isEmpty)
                } else {
                    #expect(owners.count == 1 && owners[0].digit + 1 == Int(id))
                }
            }
            total += scene.labelMap.ids.count
        }
        // Ignore marks edges only: a few percent of the pixels, not none and not most.
        #expect(ignored > 0 && ignored < total / 10)
    }

    @Test func captionsAreManyDifferentAndTrue() throws {
        let generator = try #require(sharedGenerator)
        let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        for index in 0..<40 {
            let scene = generator.scene(seed: 13, split: .val, index: index)
            #expect(scene.captions.count >= 5)
            #expect(Set(scene.captions).count == scene.captions.count)
            let backgroundWords: [String]
            switch scene.background {
            case let .texture(name): backgroundWords = name == "gravel" ? ["gravel", "pebbles"] : [name]
            case let .plain(color): backgroundWords = [color.rawValue]
            }
            let colors = Set(scene.objects.map(\.color.rawValue))
            let digits = Set(scene.objects.flatMap { [String($0.digit), words[$0.digit]] })
            for caption in scene.captions {
                let tokens = CaptionGrammar.words(caption)
                // Names the background, only colours and digits present in the scene.
                #expect(backgroundWords.contains { caption.contains($0) }, "\(caption)")
                for token in tokens where ObjectColor(rawValue: token) != nil { #expect(colors.contains(token), "\(caption)") }
                for token in tokens where Int(token) != nil { #expect(digits.contains(token), "\(caption)") }
            }
        }
    }

    @Test func relationsMatchTheBoxes() throws {
        let generator = try #require(sharedGenerator)
        var checked = 0
        for index in 0..<200 {
            let scene = generator.scene(seed: 14, split: .train, index: index)
            // Scenes whose digits all differ in colour, so a colour word names one object.
            guard scene.objects.count >= 2, Set(scene.objects.map(\.color)).count == scene.objects.count else { continue }
            for caption in scene.captions {
                let relations = [" to the left of ", " left of ", " to the right of ", " right of ", " above ", " over ",
                                 " below ", " under ", " beneath "]
                guard let relation = relations.first(where: { caption.contains($0) }) else { continue }
                // "A REL B[, with C...] BG": A is before the relation, B right after it (the NPs name
                // colours unless the caption chose the size-only detail).
                let parts = caption.components(separatedBy: relation)
                let left = CaptionGrammar.words(parts[0]).compactMap { ObjectColor(rawValue: $0) }
                let right = CaptionGrammar.words(parts[1].components(separatedBy: ", with")[0]).compactMap { ObjectColor(rawValue: $0) }
                guard left.count == 1, right.count == 1 else { continue }
                let a = scene.objects.first { $0.color == left[0] }!, b = scene.objects.first { $0.color == right[0] }!
                let (ax, ay) = ((a.box.x0 + a.box.x1) / 2, (a.box.y0 + a.box.y1) / 2)
                let (bx, by) = ((b.box.x0 + b.box.x1) / 2, (b.box.y0 + b.box.y1) / 2)
                switch relation {
                case " to the left of ", " left of ": #expect(ax < bx && abs(ax - bx) >= abs(ay - by), "\(caption)")
                case " to the right of ", " right of ": #expect(ax > bx && abs(ax - bx) >= abs(ay - by), "\(caption)")
                case " above ", " over ": #expect(ay < by && abs(ay - by) > abs(ax - bx), "\(caption)")
                default: #expect(ay > by && abs(ay - by) > abs(ax - bx), "\(caption)")
                }
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    @Test func noTestDigitImageIsInTheTrainSplit() throws {
        let generator = try #require(sharedGenerator)
        let train = try MNISTDataset(directory: datasetsPath("mnist"), split: .train)
        let test = try MNISTDataset(directory: datasetsPath("mnist"), split: .test)
        let side = MNISTDataset.pixelsPerImage
        func pixels(_ source: String) throws -> [UInt8] {
            let parts = source.split(separator: ":")
            let set = parts[0] == "mnist-train" ? train : test
            let i = try #require(Int(parts[1]))
            return Array(set.images[(i * side)..<((i + 1) * side)])
        }
        var trainDigits = Set<[UInt8]>(), trainSources = Set<String>()
        for index in 0..<150 {
            for object in generator.scene(seed: 15, split: .train, index: index).objects {
                #expect(object.source.hasPrefix("mnist-train:"))
                #expect(Int(object.source.split(separator: ":")[1])! < 50_000)
                trainDigits.insert(try pixels(object.source))
                trainSources.insert(object.source)
            }
        }
        for split in [SceneSplit.val, .test] {
            for index in 0..<150 {
                for object in generator.scene(seed: 15, split: split, index: index).objects {
                    #expect(split == .test ? object.source.hasPrefix("mnist-test:")
                                           : Int(object.source.split(separator: ":")[1])! >= 50_000)
                    #expect(!trainSources.contains(object.source))
                    #expect(!trainDigits.contains(try pixels(object.source)), "\(object.source) also in train")
                }
            }
        }
    }

    @Test func sameSeedGivesByteIdenticalFilesAndSplitsDiffer() throws {
        let generator = try #require(sharedGenerator)
        let writer = SceneSetWriter(generator: generator)
        let a = try makeTemporaryDirectory(), b = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        try writer.write(split: .train, count: 6, seed: 21, to: a)
        try writer.write(split: .train, count: 6, seed: 21, to: b)
        try writer.write(split: .test, count: 6, seed: 21, to: a)
        try writer.write(split: .train, count: 6, seed: 22, to: b + "/other")
        let files = ["instances.json", "captions.json"] + (0..<6).flatMap {
            ["images/" + SceneSetWriter.fileName($0), "labels/" + SceneSetWriter.fileName($0)] }
        for file in files {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/train/" + file))
            #expect(x == (try Data(contentsOf: URL(fileURLWithPath: b + "/train/" + file))), "\(file)")
        }
        for file in ["instances.json", "images/000000.png"] {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/train/" + file))
            #expect(x != (try Data(contentsOf: URL(fileURLWithPath: a + "/test/" + file))))
            #expect(x != (try Data(contentsOf: URL(fileURLWithPath: b + "/other/train/" + file))))
        }
    }

    @Test func sceneFolderReadsBackEveryKindOfGroundTruth() throws {
        let generator = try #require(sharedGenerator)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SceneSetWriter(generator: generator).write(split: .val, count: 8, seed: 23, to: directory)
        let folder = try SceneFolder(directory: directory + "/val")
        #expect(folder.count == 8)
        #expect(folder.classNames == ["background", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        for index in 0..<8 {
            let scene = generator.scene(seed: 23, split: .val, index: index)
            let item = try folder.item(at: index)
            #expect(item.image == scene.image)
            #expect(item.boxes == scene.objects.map(\.box))
            #expect(item.masks == scene.objects.map(\.mask))
            #expect(item.labelMap == scene.labelMap)
            #expect(item.captions == scene.captions)
        }
        let statistics = DatasetStatistics(instances: folder.coco.instances, captions: try COCOCaptions.read(directory + "/val/captions.json"))
        #expect(statistics.images == 8 && statistics.minCaptionsPerImage >= 5)
        #expect(statistics.colors.values.reduce(0, +) == statistics.objects)
    }
}
