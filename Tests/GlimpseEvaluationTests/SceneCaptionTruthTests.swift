// SceneCaptionTruthTests: every reference caption of generated scenes is judged true (scenes made
// in process, and a small split written to disk and read back from instances.json); captions
// perturbed in one place are false for that reason (digit, colour, size, count, background,
// a digit named twice); the grammar's number-word traps ("and one other digit", "two digits",
// "a single digit", "the largest is"); captions naming nothing; broken instances.json files;
// the aggregate report; and `glimpse eval captions --scenes` end to end.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

/// The generator of these tests: up to 5 digits, so counts up to "five digits" occur.
let truthSceneGenerator: SceneGenerator? = try? SceneGenerator(
    mnistDirectory: evaluationRepositoryRoot + "/datasets/mnist", texturesDirectory: evaluationRepositoryRoot + "/datasets/textures",
    size: 96, maxObjects: 5)

@Suite("Scene caption truth")
struct SceneCaptionTruthTests {
    /// A large red 7 and a small blue 3 on grass.
    static let twoDigits = SceneFacts(objects: [SceneFacts.Object(digit: 7, color: .red, size: .large),
                                                SceneFacts.Object(digit: 3, color: .blue, size: .small)],
                                      background: .texture("grass"))

    func kinds(_ caption: String, _ facts: SceneFacts = SceneCaptionTruthTests.twoDigits) -> [SceneCaptionTruth.FailureKind] {
        SceneCaptionTruth.judge(caption, facts: facts).kinds
    }

    // MARK: - Reference captions are true

    @Test func everyReferenceCaptionOfGeneratedScenesIsTrue() throws {
        let generator = try #require(truthSceneGenerator)
        var captions = 0, counts = Set<Int>()
        let scenes: [(split: SceneSplit, index: Int)] = (0..<30).map { (.test, $0) } + (0..<10).map { (.train, $0) }
        for (split, index) in scenes {
            let scene = generator.scene(seed: 5, split: split, index: index)
            let facts = SceneFacts(scene)
            counts.insert(scene.objects.count)
            for caption in scene.captions {
                let verdict = SceneCaptionTruth.judge(caption, facts: facts)
                #expect(verdict.isTrue, "\(split) \(index): \"\(caption)\": \(verdict.reasons)")
                captions += 1
            }
        }
        #expect(captions >= 200)
        #expect(counts.count >= 4)  // one to (at least) four digits were covered
    }

    @Test func referenceCaptionsOfAWrittenSplitAreTrueOfItsInstancesFile() throws {
        let generator = try #require(truthSceneGenerator)
        let directory = try evaluationTemporaryDirectory("SceneCaptionTruth")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SceneSetWriter(generator: generator).write(split: .val, count: 12, seed: 9, to: directory)
        let facts = try SceneFacts.read(directory + "/val/instances.json")
        #expect(facts.count == 12)
        for index in 0..<12 {
            #expect(facts[index] == SceneFacts(generator.scene(seed: 9, split: .val, index: index)))
        }
        let captions = try COCOCaptions.read(directory + "/val/captions.json")
        for caption in captions.annotations {
            let verdict = SceneCaptionTruth.judge(caption.caption, facts: facts[caption.imageID]!)
            #expect(verdict.isTrue, "image \(caption.imageID): \"\(caption.caption)\": \(verdict.reasons)")
        }
    }

    // MARK: - Perturbed captions are false for the right reason

    @Test func handMadePerturbationsFailForTheirReason() {
        #expect(kinds("a red 7 and a blue 3 on grass").isEmpty)
        #expect(kinds("a large red seven and a small blue three in the grass").isEmpty)
        let verdict = SceneCaptionTruth.judge("a red 4 and a blue 3 on grass", facts: Self.twoDigits)
        #expect(verdict.kinds == [.digit] && verdict.reasons == ["names a 4 the scene lacks"])
        let color = SceneCaptionTruth.judge("a green 7 and a blue 3 on grass", facts: Self.twoDigits)
        #expect(color.kinds == [.color] && color.reasons == ["names a green 7 but the scene's 7 is large red"])
        #expect(kinds("an orange eight left of a blue 3 on grass") == [.digit])
        #expect(kinds("a small red 7 and a blue 3 on grass") == [.size])
        #expect(kinds("a large red 7 and a large blue 3 on grass") == [.size])
        let count = SceneCaptionTruth.judge("three digits on grass: a 7 and a 3", facts: Self.twoDigits)
        #expect(count.kinds == [.count] && count.reasons == ["says 3 digits, the scene has 2"])
        #expect(kinds("a single digit on grass: a 7") == [.count])
        #expect(kinds("a red 7 on grass and two other digits") == [.count])
        #expect(kinds("there are two red digits on grass") == [.count])
        let background = SceneCaptionTruth.judge("a red 7 and a blue 3 on gravel", facts: Self.twoDigits)
        #expect(background.kinds == [.background] && background.reasons == ["says gravel, the background is grass"])
        #expect(kinds("a red 7 and a blue 3 on a plain grey background") == [.background])
        #expect(kinds("a brick wall with a red 7 and a blue 3 on it") == [.background])
        let twice = SceneCaptionTruth.judge("a red 7 and a red 7 on grass", facts: Self.twoDigits)
        #expect(twice.kinds == [.repeatedDigit] && twice.reasons == ["names 2 red 7s, the scene has 1"])
        #expect(kinds("a red 7 left of a blue 3, the 7 is large").isEmpty)  // "the 7" may be the one named before
        #expect(kinds("a green 4 and five digits on pebbles") == [.digit, .count, .background])
        // "the largest is": a small digit cannot be the largest when a large one is there.
        #expect(kinds("there are two digits on grass, the largest is a red seven").isEmpty)
        let largest = SceneCaptionTruth.judge("there are two digits on grass, the largest is a 3", facts: Self.twoDigits)
        #expect(largest.kinds == [.largest] && largest.reasons == ["says the largest is a 3, a small digit, while the scene has a large one"])
        let small = SceneFacts(objects: Self.twoDigits.objects.map { SceneFacts.Object(digit: $0.digit, color: $0.color, size: .small) },
                               background: .texture("grass"))
        #expect(kinds("there are two digits on grass, the largest is a 3", small).isEmpty)  // sizes cannot tell
    }

    @Test func perturbedGeneratedCaptionsAreFalse() throws {
        let generator = try #require(truthSceneGenerator)
        let colors = ObjectColor.allCases.map(\.rawValue)
        var checked = [SceneCaptionTruth.FailureKind: Int]()
        for index in 0..<30 {
            let scene = generator.scene(seed: 6, split: .test, index: index)
            let facts = SceneFacts(scene)
            let present = Set(scene.objects.map(\.digit))
            guard let absent = (0...9).first(where: { !present.contains($0) }) else { continue }
            for caption in scene.captions {
                var words = caption.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                // A numeral digit changed to one the scene lacks.
                if let k = words.firstIndex(where: { $0.count == 1 && $0.first!.isNumber }) {
                    var changed = words
                    changed[k] = String(absent)
                    #expect(kinds(changed.joined(separator: " "), facts).contains(.digit), "\(changed)")
                    checked[.digit, default: 0] += 1
                }
                // A colour bound to a numeral changed to one no digit of that value has.
                if let k = words.indices.dropLast().first(where: { colors.contains(words[$0]) && Int(words[$0 + 1]) != nil }) {
                    let digit = Int(words[k + 1])!
                    let other = ObjectColor.allCases.first { c in !scene.objects.contains { $0.digit == digit && $0.color == c } }!
                    var changed = words
                    changed[k] = other.rawValue
                    #expect(kinds(changed.joined(separator: " "), facts) == [.color], "\(changed)")
                    checked[.color, default: 0] += 1
                }
                // A count one too many.
                if let k = words.indices.dropLast().first(where: { words[$0 + 1].hasPrefix("digits")
                                                                   && CaptionGrammar.numberWords.contains(words[$0]) }) {
                    var changed = words
                    changed[k] = CaptionGrammar.numberWords[scene.objects.count + 1]
                    #expect(kinds(changed.joined(separator: " "), facts) == [.count], "\(changed)")
                    checked[.count, default: 0] += 1
                }
                // The background's texture word changed to another texture.
                if case let .texture(name) = scene.background,
                   let k = words.firstIndex(where: { SceneCaptionClaims.textureWords[$0.trimmingCharacters(in: .punctuationCharacters)] == name }) {
                    let other = SceneBackgrounds.textureNames.first { $0 != name }!
                    words[k] = other
                    #expect(kinds(words.joined(separator: " "), facts) == [.background], "\(words)")
                    checked[.background, default: 0] += 1
                }
            }
        }
        for kind in [SceneCaptionTruth.FailureKind.digit, .color, .count, .background] {
            #expect(checked[kind, default: 0] >= 10, "only \(checked[kind, default: 0]) perturbations of kind \(kind)")
        }
    }

    // MARK: - The grammar's traps and captions that name nothing

    @Test func numberWordsThatAreCountsAreNotDigits() {
        let one = SceneFacts(objects: [SceneFacts.Object(digit: 1, color: .white, size: .small)], background: .texture("brick"))
        #expect(kinds("a small white one on bricks", one).isEmpty)  // "one" is the digit 1
        #expect(kinds("a single digit against a brick wall: a one", one).isEmpty)
        #expect(kinds("there is a small white 1 on a brick wall", one).isEmpty)
        #expect(kinds("a small white one on bricks and one other digit", one) == [.count])
        // "one other digit" is a count (two digits in all), not the digit 1; "two digits" not the digit 2.
        #expect(kinds("a large red 7 on grass and one other digit").isEmpty)
        #expect(kinds("there are two digits on grass, the largest is a red 7").isEmpty)
        #expect(kinds("two digits on a patch of grass: a 7 and a three").isEmpty)
        #expect(kinds("there are two digits on grass, the largest is a one") == [.digit])
        #expect(SceneCaptionClaims("and one other digit").mentions.isEmpty)
        #expect(SceneCaptionClaims("and two other digits").counts.map(\.count) == [3])
        #expect(SceneCaptionClaims("a single digit").counts.map(\.count) == [1])
        #expect(SceneCaptionClaims("an orange eight").mentions == [.init(digit: 8, color: .orange)])
        // A colour before "background" names the background, not a digit.
        let plain = SceneFacts(objects: [SceneFacts.Object(digit: 0, color: .yellow, size: .large)], background: .plain(.teal))
        #expect(kinds("a yellow 0 against a flat teal backdrop", plain).isEmpty)
        #expect(kinds("a picture of a plain teal background showing a large yellow zero", plain).isEmpty)
        #expect(kinds("a yellow 0 on a plain red background", plain) == [.background])
        #expect(kinds("a yellow 0 on a plain brown background", plain) == [.background])
    }

    @Test(arguments: ["on grass", "", "a picture of a patch of grass", "there is something here"])
    func aCaptionNamingNoDigitAndNoCountIsNotTrue(_ caption: String) {
        let verdict = SceneCaptionTruth.judge(caption, facts: Self.twoDigits)
        #expect(verdict.kinds == [.nothingCheckable] && verdict.reasons == ["names no digit and no count"])
    }

    // MARK: - Broken instances.json

    /// A one-image, one-annotation scene file with `edit` applied to its JSON text.
    func brokenFile(_ directory: String, _ name: String, annotation: [String: String] = ["color": "red", "size": "large", "source": "x"],
                    image: [String: String] = ["background": "grass"], categoryName: String = "7", categoryID: Int = 8) throws -> String {
        let instances = COCOInstances(
            images: [COCOImage(id: 0, fileName: "images/000000.png", width: 32, height: 32, attributes: image)],
            categories: [COCOCategory(id: 8, name: categoryName)],
            annotations: [COCOAnnotation(id: 1, imageID: 0, categoryID: categoryID, bbox: [1, 1, 8, 8], area: 64, attributes: annotation)])
        let path = directory + "/" + name
        try Data(instances.json().serialized().utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func brokenInstancesFilesThrowNamingTheFileAndEntry() throws {
        let directory = try evaluationTemporaryDirectory("SceneCaptionTruth")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try brokenFile(directory, "good.json")
        #expect(try SceneFacts.read(good)[0] == SceneFacts(objects: [SceneFacts.Object(digit: 7, color: .red, size: .large)],
                                                             background: .texture("grass")))
        let cases: [(path: String, entry: String?, detail: String)] = [
            (try brokenFile(directory, "no-attributes.json", annotation: [:]), "annotation 1", "no \"color\" attribute"),
            (try brokenFile(directory, "no-size.json", annotation: ["color": "red"]), "annotation 1", "no \"size\" attribute"),
            (try brokenFile(directory, "pink.json", annotation: ["color": "pink", "size": "large"]), "annotation 1", "unknown colour \"pink\""),
            (try brokenFile(directory, "huge.json", annotation: ["color": "red", "size": "huge"]), "annotation 1", "unknown size \"huge\""),
            (try brokenFile(directory, "cat.json", categoryName: "cat"), "annotation 1", "category 8 (\"cat\") is not a digit"),
            (try brokenFile(directory, "unknown-category.json", categoryID: 42), "annotation 1", "no category has id 42"),
            (try brokenFile(directory, "no-background.json", image: [:]), "image 0", "no \"background\" attribute"),
            (try brokenFile(directory, "sand.json", image: ["background": "sand"]), "image 0", "unknown background \"sand\""),
            (directory + "/missing.json", nil, "no such file"),
        ]
        for (path, entry, detail) in cases {
            let error = #expect(throws: EvaluationError.self) { try SceneFacts.read(path) }
            #expect(error?.file == path)
            #expect(error?.entry == entry, "\(String(describing: error))")
            #expect(error?.detail.contains(detail) == true, "\(String(describing: error))")
            #expect(error?.description.hasPrefix(path) == true)
        }
    }

    // MARK: - The report

    @Test func reportCountsTrueImagesAndFailureKinds() throws {
        let facts: [Int: SceneFacts] = [3: Self.twoDigits, 4: Self.twoDigits, 9: Self.twoDigits]
        let report = try SceneTruthReport(candidates: ["a red 7 and a blue 3 on grass", "a red 4 on grass and one other digit",
                                                       "a 4 and a 5, three digits on gravel"],
                                          imageIDs: [3, 4, 9], facts: facts, factsFile: "instances.json")
        #expect(report.trueCount == 1 && report.count == 3 && abs(report.share - 1.0 / 3) < 1e-12)
        #expect(report.failureCounts.map(\.kind) == [.digit, .count, .background])
        #expect(report.failureCounts.map(\.images) == [2, 1, 1])  // two wrong digits in image 9 count once
        let json = report.json()
        #expect(json["true_count"] == .integer(1))
        #expect(json["failures"]?["wrong digit"] == .integer(2))
        guard case let .array(falseImages)? = json["false_images"] else { Issue.record("no false_images"); return }
        #expect(falseImages.map { $0["image_id"] } == [.integer(4), .integer(9)])
        let error = #expect(throws: EvaluationError.self) {
            _ = try SceneTruthReport(candidates: ["a 7"], imageIDs: [5], facts: facts, factsFile: "instances.json")
        }
        #expect(error?.kind == .mismatch && error?.entry == "image 5")
        let extra = #expect(throws: EvaluationError.self) {
            _ = try SceneTruthReport(candidates: ["a 7", "a 3"], imageIDs: [3, 4], facts: facts, factsFile: "instances.json")
        }
        #expect(extra?.kind == .mismatch && extra?.detail.hasPrefix("3 scenes for 2 captioned images") == true)
    }

    // MARK: - The command

    @Test func evalCaptionsWithScenesPrintsAndWritesTheTruthShare() throws {
        let generator = try #require(truthSceneGenerator)
        let directory = try evaluationTemporaryDirectory("SceneCaptionTruth")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SceneSetWriter(generator: generator).write(split: .test, count: 6, seed: 4, to: directory)
        let gt = directory + "/test/captions.json", scenes = directory + "/test/instances.json", out = directory + "/report.json"
        let human = try GlimpseProcess.run(["eval", "captions", "--gt", gt, "--human", "--scenes", scenes, "--json", out])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("true captions: 100.0% (6 of 6)"), "\(human.stdout)")
        let report = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(report["truth"]?["true_count"] == .integer(6))
        #expect(report["truth"]?["scenes"] == .string(scenes))
        // One caption naming a digit the scene lacks, the others their scene's first reference.
        let captions = try COCOCaptions.read(gt).captionsByImage()
        var items = (0..<6).map { (id: $0, caption: captions[$0]![0]) }
        let present = Set(SceneFacts(generator.scene(seed: 4, split: .test, index: 0)).objects.map(\.digit))
        items[0].caption = "a \((0...9).first { !present.contains($0) }!)"
        let pred = directory + "/pred.json"
        try Data(JSONValue.array(items.map { .object([("image_id", .integer($0.id)), ("caption", .string($0.caption))]) })
            .serialized().utf8).write(to: URL(fileURLWithPath: pred))
        let model = try GlimpseProcess.run(["eval", "captions", "--gt", gt, "--pred", pred, "--scenes", scenes])
        #expect(model.status == 0, "\(model.stderr)")
        #expect(model.stdout.contains("true captions: 83.3% (5 of 6)"), "\(model.stdout)")
        #expect(model.stdout.contains("wrong digit"))
        #expect(model.stdout.contains("wrong digit             1 image\n"), "\(model.stdout)")
        let bad = try GlimpseProcess.run(["eval", "captions", "--gt", gt, "--human", "--scenes", directory + "/nothing.json"])
        #expect(bad.status == 1 && bad.stderr.contains(directory + "/nothing.json"))
        // Another split's scenes: refused before any figure is printed.
        try SceneSetWriter(generator: generator).write(split: .val, count: 3, seed: 4, to: directory)
        let other = try GlimpseProcess.run(["eval", "captions", "--gt", gt, "--human", "--scenes", directory + "/val/instances.json"])
        #expect(other.status == 1 && other.stdout.isEmpty)
        #expect(other.stderr.contains(directory + "/val/instances.json: image 3: mismatch: 3 of the 6 captioned images have no scene here"), "\(other.stderr)")
    }
}
