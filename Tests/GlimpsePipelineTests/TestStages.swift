// Small test-only conformances for the stages whose real models arrive in later issues
// (proposer, detector, segmenter, caption decoder). They compute simple, checkable functions
// of the pixels, so the tests can tell the runner wrote exactly what the stages returned.

import GlimpseImaging
import GlimpsePipeline
import GlimpseRegistry
import GlimpseStages

/// Mean of all channels over a box.
func meanBrightness(_ image: Image, _ box: BoundingBox) -> Float {
    let x0 = max(0, Int(box.x0)), y0 = max(0, Int(box.y0))
    let x1 = min(image.width, Int(box.x1)), y1 = min(image.height, Int(box.y1))
    guard x1 > x0, y1 > y0 else { return 0 }
    var sum = 0
    for y in y0..<y1 { for x in x0..<x1 { for c in 0..<image.channels { sum += Int(image[x, y, c]) } } }
    return Float(sum) / Float((x1 - x0) * (y1 - y0) * image.channels)
}

/// The four quadrants, then the whole image.
struct QuadrantProposer: RegionProposer {
    static let conformanceName = "quadrants"
    func propose(_ input: StageInput) throws -> [BoundingBox] {
        let image = input.image
        let w = Float(image.width), h = Float(image.height)
        return [BoundingBox(x0: 0, y0: 0, x1: w / 2, y1: h / 2), BoundingBox(x0: w / 2, y0: 0, x1: w, y1: h / 2),
                BoundingBox(x0: 0, y0: h / 2, x1: w / 2, y1: h), BoundingBox(x0: w / 2, y0: h / 2, x1: w, y1: h),
                BoundingBox(x0: 0, y0: 0, x1: w, y1: h)]
    }
}

/// Labels each proposal "bright" (mean > `threshold`) or "dark", scored by how far from it.
struct BrightnessDetector: Detector {
    static let conformanceName = "brightness"
    let threshold: Float
    let categories = ["dark", "bright"]
    let needsProposals = true
    func detect(_ input: StageInput) throws -> [BoundingBox] {
        input.proposals.map { box in
            let mean = meanBrightness(input.image, box)
            var out = box
            out.label = mean > threshold ? 1 : 0
            out.score = min(1, abs(mean - threshold) / 128)
            return out
        }.sorted { ($0.score ?? 0) > ($1.score ?? 0) }
    }
}

/// Class 1 where the first channel is above 200, else 0.
struct ThresholdSegmenter: Segmenter {
    static let conformanceName = "threshold"
    let categories = ["background", "bright"]
    func segment(_ input: StageInput) throws -> LabelMap {
        let image = input.image
        var ids = [UInt8](repeating: 0, count: image.width * image.height)
        for y in 0..<image.height { for x in 0..<image.width where image[x, y, 0] > 200 { ids[y * image.width + x] = 1 } }
        return LabelMap(width: image.width, height: image.height, ids: ids)
    }
}

/// "a W by H image".
struct SizeCaptioner: CaptionDecoder {
    static let conformanceName = "size"
    func captions(for input: StageInput, count: Int) throws -> [Caption] {
        [Caption(text: "a \(input.image.width) by \(input.image.height) image", logProbability: -1.5)]
    }
}

/// A stage that always throws, to show a stage failure is recorded and the batch goes on.
struct FailingCaptioner: CaptionDecoder {
    static let conformanceName = "failing"
    func captions(for input: StageInput, count: Int) throws -> [Caption] {
        throw StageError(file: "<test>", problem: "this captioner always fails")
    }
}

/// "a W by H image", but throws for gray images: one bad image in a batch must fail alone.
struct GrayFailingCaptioner: CaptionDecoder {
    static let conformanceName = "fails-on-gray"
    func captions(for input: StageInput, count: Int) throws -> [Caption] {
        guard input.image.channels != 1 else { throw StageError(file: "<test>", problem: "a gray image") }
        return try SizeCaptioner().captions(for: input, count: count)
    }
}

/// "in a batch of N": tells the size of the batch its batched entry point was given.
struct BatchSizeCaptioner: CaptionDecoder {
    static let conformanceName = "batch-size"
    func captions(for input: StageInput, count: Int) throws -> [Caption] {
        [Caption(text: "in a batch of 1", logProbability: -1)]
    }
    func captions(for inputs: [StageInput], count: Int) -> [Result<[Caption], any Error>] {
        inputs.map { _ in .success([Caption(text: "in a batch of \(inputs.count)", logProbability: -1)]) }
    }
}

extension StageRegistry {
    /// The shipped conformances plus the test-only ones above.
    static var withTestStages: StageRegistry {
        var registry = StageRegistry.standard
        registry.register(Conformance(kind: .proposer, name: QuadrantProposer.conformanceName, summary: "test") { _ in
            .proposer(QuadrantProposer()) })
        registry.register(Conformance(kind: .detector, name: BrightnessDetector.conformanceName, summary: "test",
                                      parameters: [ParameterSpec("threshold", .float, default: .float(128), help: "mean splitting the classes")]) {
            .detector(BrightnessDetector(threshold: Float($0.float("threshold", default: 128)))) })
        registry.register(Conformance(kind: .segmenter, name: ThresholdSegmenter.conformanceName, summary: "test") { _ in
            .segmenter(ThresholdSegmenter()) })
        registry.register(Conformance(kind: .captioner, name: SizeCaptioner.conformanceName, summary: "test") { _ in
            .captioner(SizeCaptioner()) })
        registry.register(Conformance(kind: .captioner, name: FailingCaptioner.conformanceName, summary: "test") { _ in
            .captioner(FailingCaptioner()) })
        registry.register(Conformance(kind: .captioner, name: GrayFailingCaptioner.conformanceName, summary: "test") { _ in
            .captioner(GrayFailingCaptioner()) })
        registry.register(Conformance(kind: .captioner, name: BatchSizeCaptioner.conformanceName, summary: "test") { _ in
            .captioner(BatchSizeCaptioner()) })
        return registry
    }
}
