// Pipeline: the stages of a validated pipeline file, constructed, and the per-image pass
// through them in pipeline order (decode, augment, backbone, classify, propose, detect,
// segment, caption). A head stage that is `DomainChecked` and finds the image out of its
// training domain is skipped for that image and the verdict recorded. Stage instances are
// Sendable and hold no per-image state, so workers share one Pipeline.
//
// The backbone runs once per image: every stage declares the backbone and layers it reads
// (`BackboneRequirement`), stages on the same weights share one pass that keeps all of their
// layers, and a head trained on other weights brings its own backbone, which also runs once.

import Foundation
import GlimpseImaging
import GlimpseStages
import GlimpseTensor

/// What one image's pass produced besides its JSON record.
public struct ImageOutcome: Sendable {
    /// The JSON record.
    public var result: ImageResult
    /// The decoded (and augmented) image the stages saw.
    public var image: Image
    /// The segmenter's label map, if any.
    public var labelMap: LabelMap?
    /// Milliseconds per stage, by stage name, in pipeline order.
    public var timings: [(stage: String, milliseconds: Double)]
}

/// A runnable pipeline.
public struct Pipeline: Sendable {
    /// The file it was built from.
    public let file: PipelineFile
    /// The decoder.
    public let decoder: any ImageDecoder
    /// The other stages, in pipeline order.
    public let stages: [StageInstance]
    /// The distinct backbones the stages read, each with every layer any of its readers asks for.
    public let backbonePasses: [BackbonePass]
    /// For each of `stages`, the index in `backbonePasses` of the backbone it reads, or nil.
    private let passIndex: [Int?]

    /// One backbone and the union of the layers its readers ask for.
    public struct BackbonePass: Sendable {
        /// The backbone.
        public var backbone: any Backbone
        /// Every layer kept in its pass.
        public var layers: Set<String>
    }

    /// Builds every stage of `file`; construction failures (unreadable weights, bad layer
    /// name, ...) are collected into one `PipelineFileError` with each stage's line.
    public init(_ file: PipelineFile) throws {
        let (built, problems) = Pipeline.setUp(file.stages, file: file.path)
        guard problems.isEmpty else { throw PipelineFileError(file: file.path, problems: problems) }
        self.init(file, built: built)
    }

    /// Reads, validates and builds the pipeline file at `path`. Type errors (`max: "x"`) and
    /// set-up errors of the stages that did validate (`mode: turbo`, `max: -5`) are reported
    /// together, in line order, in one `PipelineFileError` (issue 19: they used to come one
    /// round at a time).
    public static func load(_ path: String, registry: StageRegistry,
                            resolve: ((String) -> String?)? = nil) throws -> Pipeline {
        let draft = try PipelineFile.draft(PipelineFile.readText(path), file: path, registry: registry,
                                           resolve: resolve ?? PipelineFile.defaultResolver(for: path))
        let (built, setUpProblems) = setUp(draft.stages, file: path)
        if let file = draft.file, setUpProblems.isEmpty { return Pipeline(file, built: built) }
        var problems = (draft.problems + setUpProblems).sorted { $0.line < $1.line }
        var omitted = draft.omitted
        if problems.count > PipelineFileError.maximumListed {
            omitted += problems.count - PipelineFileError.maximumListed
            problems.removeSubrange(PipelineFileError.maximumListed...)
        }
        throw PipelineFileError(file: path, problems: problems, omitted: omitted)
    }

    /// Every stage constructed, in order, and a problem for each one that cannot be.
    private static func setUp(_ configurations: [StageConfiguration], file: String) -> ([StageInstance], [PipelineProblem]) {
        var problems = [PipelineProblem]()
        var built = [StageInstance]()
        var context = StageContext()
        for configuration in configurations {
            do {
                let instance = try configuration.conformance.make(configuration.parameters, context)
                switch instance {
                case .backbone(let backbone): context.backbone = backbone
                case .proposer: context.hasProposer = true
                case .detector(let detector) where detector.needsProposals && !context.hasProposer:
                    throw StageError(file: file, problem: "this detector needs region proposals; add a proposer stage")
                default: break
                }
                precondition(instance.kind == configuration.kind,
                             "registry entry \(configuration.conformance.name) built a \(instance.kind) for \(configuration.kind)")
                built.append(instance)
            } catch {
                problems.append(PipelineProblem(line: configuration.line, key: "stages.\(configuration.kind.rawValue)",
                                                message: "\(configuration.conformance.name) cannot be set up: \(error)"))
            }
        }
        return (built, problems)
    }

    /// A pipeline of stages already built from `file`.
    private init(_ file: PipelineFile, built: [StageInstance]) {
        guard case .decoder(let decoder)? = built.first else {
            preconditionFailure("PipelineFile guarantees a decoder first")
        }
        self.file = file
        self.decoder = decoder
        self.stages = Array(built.dropFirst())
        var passes = [BackbonePass]()
        var passIndex = [Int?]()
        for stage in stages {
            guard let requirement = stage.backboneRequirement else { passIndex.append(nil); continue }
            if let index = passes.firstIndex(where: { $0.backbone.identity == requirement.backbone.identity }) {
                passes[index].layers.formUnion(requirement.layers)
                passIndex.append(index)
            } else {
                passes.append(BackbonePass(backbone: requirement.backbone, layers: Set(requirement.layers)))
                passIndex.append(passes.count - 1)
            }
        }
        self.backbonePasses = passes
        self.passIndex = passIndex
    }

    /// The names of the stages in order, `read` and `decoder` first (ledger timing keys).
    public var stageNames: [String] { ["read", "decoder"] + stages.map(\.kind.rawValue) }

    /// Category names for exported boxes: the detector's, or `["object"]` for proposals only.
    public var boxCategories: [String]? {
        for stage in stages { if case .detector(let d) = stage { return d.categories } }
        for stage in stages { if case .proposer = stage { return ["object"] } }
        return nil
    }

    /// The COCO category id of each of `boxCategories`: the detector's training-set ids, or 1.
    public var boxCategoryIDs: [Int]? {
        for stage in stages { if case .detector(let d) = stage { return d.categoryIDs } }
        for stage in stages { if case .proposer = stage { return [1] } }
        return nil
    }

    /// Whether the pipeline has a caption stage.
    public var hasCaptioner: Bool { stages.contains { $0.kind == .captioner } }

    /// Whether the pipeline has a segmenter.
    public var hasSegmenter: Bool { stages.contains { $0.kind == .segmenter } }

    /// Runs the stages after decoding. `seed` drives the augmenter (the content hash, so the
    /// result does not depend on order or concurrency); `labelMapPath` is recorded in the JSON.
    /// The same pass as `process(batch:)` over a batch of one.
    public func process(_ decoded: Image, input: String, seed: UInt64, labelMapPath: String) throws -> ImageOutcome {
        try process(batch: [BatchImage(image: decoded, input: input, seed: seed, labelMapPath: labelMapPath)])[0].get()
    }

    /// One decoded image of a batch and what its pass needs besides the pixels.
    public struct BatchImage: Sendable {
        /// The decoded image.
        public var image: Image
        /// The input's path, recorded in the JSON.
        public var input: String
        /// The augmenter's seed (the content hash).
        public var seed: UInt64
        /// The label map's path, recorded in the JSON.
        public var labelMapPath: String

        /// Creates a batch entry.
        public init(image: Image, input: String, seed: UInt64, labelMapPath: String) {
            (self.image, self.input, self.seed, self.labelMapPath) = (image, input, seed, labelMapPath)
        }
    }

    /// Runs the stages after decoding over a batch of images, stage by stage: each backbone runs
    /// once over all of them (`Backbone.features(of:layers:)` for many images) and each head
    /// stage gets them together (its batched entry point). Each image's outcome is, byte for
    /// byte, what it gets alone; a stage that throws for one image fails that image alone (its
    /// later stages are skipped) and the others go on. Timings: a stage's time over the batch
    /// (backbone pass, domain checks and the stage itself) is split evenly among the images that
    /// reached it, so per-stage sums over a run stay the run's time per stage.
    public func process(batch: [BatchImage]) -> [Result<ImageOutcome, any Error>] {
        let outputs = file.outputs
        var images = batch.map(\.image)
        var results = batch.map { ImageResult(input: $0.input, width: $0.image.width, height: $0.image.height) }
        var timings = [[(stage: String, milliseconds: Double)]](repeating: [], count: batch.count)
        var proposals = [[BoundingBox]](repeating: [], count: batch.count)
        var labelMaps = [LabelMap?](repeating: nil, count: batch.count)
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        // each backbone's passes, computed when its first reader runs (and timed under that stage)
        var computed = [Int: [BackboneFeatures]]()
        for (stageIndex, stage) in stages.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            let alive = batch.indices.filter { errors[$0] == nil }
            guard !alive.isEmpty else { break }
            var features = [Int: BackboneFeatures]()
            if let pass = passIndex[stageIndex] {
                if computed[pass] == nil {
                    // every image that reaches the pass's first reader; later readers see the same images or fewer
                    let passes = backbonePasses[pass].backbone.features(of: alive.map { images[$0] }, layers: backbonePasses[pass].layers)
                    precondition(passes.count == alive.count, "a backbone returned \(passes.count) passes for \(alive.count) images")
                    var all = [BackboneFeatures?](repeating: nil, count: batch.count)
                    for (k, i) in alive.enumerated() { all[i] = passes[k] }
                    computed[pass] = all.map { $0 ?? passes[0] }  // failed images' slots are never read
                }
                for i in alive { features[i] = computed[pass]![i] }
            }
            func input(_ i: Int) -> StageInput { StageInput(image: images[i], features: features[i], proposals: proposals[i]) }
            // A head that finds the image outside its training domain gives no output for it;
            // the image is still a success, with the verdict recorded (docs/pipeline.md).
            var running = [Int]()
            for i in alive {
                if let verdict = stage.domainChecked?.domainVerdict(input(i)), verdict.outOfDomain {
                    results[i].outOfDomain = (results[i].outOfDomain ?? [])
                        + [OutOfDomainRecord(stage: stage.kind, distance: verdict.distance, threshold: verdict.threshold)]
                    // empty rather than absent: no detections must not fall back to drawing proposals
                    switch stage.kind {
                    case .classifier: results[i].classes = []
                    case .detector: results[i].detections = []
                    case .captioner: results[i].captions = []
                    default: break  // a segmenter leaves no label map and no `segmentation`
                    }
                } else {
                    running.append(i)
                }
            }
            let inputs = running.map(input)
            /// Applies each image's result of a batched call, or records its error.
            func each<T>(_ found: [Result<T, any Error>], _ apply: (Int, T) -> Void) {
                precondition(found.count == running.count, "\(stage.kind.rawValue): \(found.count) results for \(running.count) images")
                for (k, i) in running.enumerated() {
                    switch found[k] {
                    case .success(let value): apply(i, value)
                    case .failure(let error): errors[i] = error
                    }
                }
            }
            switch stage {
            case .decoder:
                preconditionFailure("one decoder per pipeline")
            case .augmenter(let augmenter):
                for i in running {
                    var random = SeededGenerator(seed: batch[i].seed)
                    images[i] = augmenter.augment(images[i], random: &random)
                    results[i].width = images[i].width
                    results[i].height = images[i].height
                }
            case .backbone(let backbone):
                if outputs.features { for i in running { results[i].features = backbone.featureVector(features[i]!) } }
            case .classifier(let classifier):
                each(running.isEmpty ? [] : classifier.classify(inputs, top: outputs.top)) { i, classes in results[i].classes = classes }
            case .proposer(let proposer):
                let hasDetector = stages.contains { $0.kind == .detector }
                each(running.isEmpty ? [] : proposer.propose(inputs)) { i, boxes in
                    proposals[i] = boxes
                    if outputs.proposals || !hasDetector {
                        results[i].proposals = boxes.prefix(outputs.maxProposals).enumerated().map { rank, box in
                            var unlabelled = box
                            unlabelled.label = 0
                            return BoxRecord(unlabelled, category: "object", score: 1 / Float(1 + rank))
                        }
                    }
                }
            case .detector(let detector):
                each(running.isEmpty ? [] : detector.detectWithLandmarks(inputs)) { i, found in
                    results[i].detections = found.map { box, landmarks in
                        let name = box.label >= 0 && box.label < detector.categories.count ? detector.categories[box.label] : "\(box.label)"
                        return BoxRecord(box, category: name, score: box.score ?? 0, landmarks: landmarks.isEmpty ? nil : landmarks)
                    }
                }
            case .segmenter(let segmenter):
                each(running.isEmpty ? [] : segmenter.segment(inputs)) { i, map in
                    precondition(map.width == images[i].width && map.height == images[i].height, "segmenter returned a label map of another size")
                    let ids = map.presentIDs.filter { $0 != LabelMap.ignore }.map(Int.init)
                    results[i].segmentation = SegmentationRecord(
                        labelMap: batch[i].labelMapPath,
                        classes: ids.map { $0 < segmenter.categories.count ? segmenter.categories[$0] : "\($0)" }, ids: ids)
                    labelMaps[i] = map
                }
            case .captioner(let captioner):
                each(running.isEmpty ? [] : captioner.captions(for: inputs, count: 1)) { i, captions in results[i].captions = captions }
            }
            let share = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(alive.count)
            for i in alive { timings[i].append((stage.kind.rawValue, share)) }
        }
        return batch.indices.map { i in
            if let error = errors[i] { return .failure(error) }
            return .success(ImageOutcome(result: results[i], image: images[i], labelMap: labelMaps[i], timings: timings[i]))
        }
    }
}
