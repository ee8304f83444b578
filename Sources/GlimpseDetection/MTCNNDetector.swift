// MTCNNDetector: the `mtcnn` face detector stage (Zhang et al. 2016), with the released P-Net,
// R-Net and O-Net weights and the reference's test-time cascade as facenet-pytorch 2.6.0's
// `detect_face` runs it:
//
// 1. an image pyramid from scale 12 / min_face_size down by `factor` while the short side is
//    at least 12 px; P-Net on each level, cells with face probability >= threshold 1 become
//    boxes, NMS (union 0.5) within the level, then NMS (union 0.7) over all levels, P-Net's
//    box regression, square-up;
// 2. each box's crop (clipped to the image) area-resampled to 24x24, R-Net: probability >
//    threshold 2, NMS (union 0.7), regression, square-up;
// 3. crops at 48x48, O-Net: probability > threshold 3, five landmarks, regression, NMS (min 0.7).
//
// It needs no region proposer and no backbone: it reads the pixels. Boxes are in the
// reference's coordinates (not clipped to the image), category "face", highest score first.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// MTCNN's settings: the pyramid, the three thresholds and the NMS overlaps.
public struct MTCNNSettings: Sendable, Equatable {
    /// The smallest face searched for, in pixels (the pyramid starts at scale 12 / this).
    public var minFaceSize: Double = 20
    /// The pyramid's scale step.
    public var factor: Double = 0.709
    /// Face probability thresholds of P-Net (>=), R-Net and O-Net (>).
    public var thresholds: (Float, Float, Float) = (0.6, 0.7, 0.7)
    /// P-Net's NMS within a pyramid level (union).
    public var levelNMS: Float = 0.5
    /// P-Net's NMS over all levels (union).
    public var pyramidNMS: Float = 0.7
    /// R-Net's NMS (union).
    public var refineNMS: Float = 0.7
    /// O-Net's NMS (min: over the smaller box).
    public var outputNMS: Float = 0.7

    /// The references' values.
    public init() {}

    public static func == (a: MTCNNSettings, b: MTCNNSettings) -> Bool {
        a.minFaceSize == b.minFaceSize && a.factor == b.factor && a.thresholds == b.thresholds
            && a.levelNMS == b.levelNMS && a.pyramidNMS == b.pyramidNMS && a.refineNMS == b.refineNMS
            && a.outputNMS == b.outputNMS
    }

    /// The pyramid's scales for a `width` x `height` image: 12 / minFaceSize, times `factor`
    /// while the scaled short side stays at least 12 px (none for an image smaller than that).
    public func scales(width: Int, height: Int) -> [Double] {
        var scale = 12.0 / minFaceSize
        var side = Double(min(width, height)) * scale
        var scales = [Double]()
        while side >= 12 {
            scales.append(scale)
            scale *= factor
            side *= factor
        }
        return scales
    }
}

/// MTCNN as a pipeline detector of faces.
public struct MTCNNDetector: Detector {
    /// `"mtcnn"`.
    public static let conformanceName = "mtcnn"
    /// The three networks.
    public let networks: MTCNN
    /// The pyramid, thresholds and NMS.
    public let settings: MTCNNSettings

    /// Wraps loaded networks.
    public init(networks: MTCNN, settings: MTCNNSettings = MTCNNSettings()) {
        precondition(settings.minFaceSize >= 1 && settings.factor > 0 && settings.factor < 1,
                     "MTCNNDetector: min face size \(settings.minFaceSize), factor \(settings.factor)")
        (self.networks, self.settings) = (networks, settings)
    }

    /// Loads the Keras weights file (`mtcnn_pnet_rnet_onet_keras.safetensors`); throws naming
    /// the file when it cannot be read or holds other tensors.
    public init(weights path: String, settings: MTCNNSettings = MTCNNSettings()) throws {
        self.init(networks: try MTCNN(kerasWeights: path), settings: settings)
    }

    /// `["face"]`.
    public var categories: [String] { ["face"] }
    /// MTCNN finds its own candidates.
    public var needsProposals: Bool { false }

    /// The faces, highest score first.
    public func detect(_ input: StageInput) throws -> [BoundingBox] {
        faces(in: input.image).map(\.box)
    }

    /// The faces with their five landmarks (left eye, right eye, nose, left and right mouth corner).
    public func detectWithLandmarks(_ input: StageInput) throws -> [(box: BoundingBox, landmarks: [Landmark])] {
        faces(in: input.image)
    }

    /// The cascade on one image: boxes (label 0, score O-Net's probability) and landmarks,
    /// highest score first; none for an image too small for the pyramid.
    public func faces(in image: Image) -> [(box: BoundingBox, landmarks: [Landmark])] {
        let input = MTCNNInput(image)
        var candidates = proposals(input)
        guard !candidates.isEmpty else { return [] }
        candidates = refine(candidates, input: input)
        guard !candidates.isEmpty else { return [] }
        return output(candidates, input: input)
    }

    // MARK: - Stage 1: P-Net on the pyramid

    /// P-Net's candidates over the whole pyramid, calibrated and squared.
    func proposals(_ input: MTCNNInput) -> [MTCNNCandidate] {
        var all = [MTCNNCandidate]()
        for scale in settings.scales(width: input.width, height: input.height) {
            let h = Int(Double(input.height) * scale + 1), w = Int(Double(input.width) * scale + 1)
            let map = networks.pnet(input.resized(outHeight: h, outWidth: w))
            all += Self.cells(map, scale: scale, threshold: settings.thresholds.0)
                .suppressed(threshold: settings.levelNMS, overlap: .union)
        }
        return all.suppressed(threshold: settings.pyramidNMS, overlap: .union)
            .map { $0.calibrated(plusOne: false).squared() }
    }

    /// The cells of P-Net's output `[1, 6, H, W]` (2 score logits, 4 offsets) whose face
    /// probability is at least `threshold`, as image boxes in row-major cell order.
    static func cells(_ map: Tensor, scale: Double, threshold: Float) -> [MTCNNCandidate] {
        precondition(map.rank == 4 && map.shape[0] == 1 && map.shape[1] == 6, "MTCNN: P-Net output \(map.shape)")
        let (h, w) = (map.shape[2], map.shape[3])
        let plane = h * w
        let s = Float(scale)
        var found = [MTCNNCandidate]()
        map.withUnsafeBufferPointer { m in
            for i in 0..<plane {
                let p = faceProbability(m[i], m[plane + i])
                guard p >= threshold else { continue }
                let x = Float(i % w), y = Float(i / w)
                found.append(MTCNNCandidate(
                    x1: ((2 * x + 1) / s).rounded(.down), y1: ((2 * y + 1) / s).rounded(.down),
                    x2: ((2 * x + 12) / s).rounded(.down), y2: ((2 * y + 12) / s).rounded(.down), score: p,
                    offsets: (m[2 * plane + i], m[3 * plane + i], m[4 * plane + i], m[5 * plane + i])))
            }
        }
        return found
    }

    /// The softmax's second entry for logits (not face, face).
    static func faceProbability(_ background: Float, _ face: Float) -> Float {
        let top = max(background, face)
        let a = Foundation.exp(background - top), b = Foundation.exp(face - top)
        return b / (a + b)
    }

    // MARK: - Stages 2 and 3: R-Net and O-Net on crops

    /// The crops of `candidates` area-resampled to `size` x `size`, `[N, 3, size, size]`, and the
    /// candidates that have one (a box wholly outside the image has none and is dropped).
    static func crops(_ candidates: [MTCNNCandidate], input: MTCNNInput, size: Int) -> (Tensor, [MTCNNCandidate]) {
        let windows = candidates.map { $0.cropWindow(width: input.width, height: input.height) }
        let kept = zip(candidates, windows).compactMap { $1 == nil ? nil : $0 }
        let valid = windows.compactMap { $0 }
        let slot = 3 * size * size
        let batch = Tensor(uninitializedShape: [valid.count, 3, size, size]) { out in
            let base = out.baseAddress!
            Compute.parallelChunks(valid.count) { _, range in
                for k in range {
                    input.resample(rows: valid[k].rows, columns: valid[k].columns, outHeight: size, outWidth: size,
                                   into: base + k * slot)
                }
            }
        }
        return (batch, kept)
    }

    /// R-Net's survivors: probability above threshold 2, NMS, calibrated and squared.
    func refine(_ candidates: [MTCNNCandidate], input: MTCNNInput) -> [MTCNNCandidate] {
        let (batch, kept) = Self.crops(candidates, input: input, size: 24)
        guard !kept.isEmpty else { return [] }
        let out = networks.rnet(batch)  // [N, 6]
        var passed = [MTCNNCandidate]()
        out.withUnsafeBufferPointer { o in
            for (k, candidate) in kept.enumerated() {
                let row = o.baseAddress! + 6 * k
                let p = Self.faceProbability(row[0], row[1])
                guard p > settings.thresholds.1 else { continue }
                var next = candidate
                next.score = p
                next.offsets = (row[2], row[3], row[4], row[5])
                passed.append(next)
            }
        }
        return passed.suppressed(threshold: settings.refineNMS, overlap: .union)
            .map { $0.calibrated(plusOne: true).squared() }
    }

    /// O-Net's faces: probability above threshold 3, landmarks from the box before its
    /// regression, then the regression and NMS (min).
    func output(_ candidates: [MTCNNCandidate], input: MTCNNInput) -> [(box: BoundingBox, landmarks: [Landmark])] {
        let (batch, kept) = Self.crops(candidates, input: input, size: 48)
        guard !kept.isEmpty else { return [] }
        let out = networks.onet(batch)  // [N, 16]
        var faces = [MTCNNCandidate]()
        var points = [[Landmark]]()
        out.withUnsafeBufferPointer { o in
            for (k, candidate) in kept.enumerated() {
                let row = o.baseAddress! + 16 * k
                let p = Self.faceProbability(row[0], row[1])
                guard p > settings.thresholds.2 else { continue }
                var face = candidate
                face.score = p
                face.offsets = (row[2], row[3], row[4], row[5])
                let w = face.x2 - face.x1 + 1, h = face.y2 - face.y1 + 1
                points.append((0..<5).map { Landmark(x: w * row[6 + $0] + face.x1 - 1, y: h * row[11 + $0] + face.y1 - 1) })
                faces.append(face.calibrated(plusOne: true))
            }
        }
        return faces.keptIndices(threshold: settings.outputNMS, overlap: .min).map { (faces[$0].boundingBox, points[$0]) }
    }
}

extension MTCNNDetector {
    /// The registry entry: `weights` and the cascade's settings, defaulting to the references'.
    public static let registryEntry = Conformance(
        kind: .detector, name: conformanceName,
        summary: "MTCNN face detector: P-Net on an image pyramid, R-Net and O-Net on crops, five facial landmarks",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors"),
                          help: "P-Net, R-Net and O-Net weights in PyPI mtcnn 1.0.0's Keras layout"),
            ParameterSpec("min_face_size", .float, default: .float(20), help: "smallest face searched for, in pixels"),
            ParameterSpec("factor", .float, default: .float(0.709), help: "the pyramid's scale step, in (0, 1)"),
            ParameterSpec("pnet_threshold", .float, default: .float(0.6), help: "P-Net keeps cells with face probability >= this"),
            ParameterSpec("rnet_threshold", .float, default: .float(0.7), help: "R-Net keeps boxes with face probability > this"),
            ParameterSpec("onet_threshold", .float, default: .float(0.7), help: "O-Net keeps boxes with face probability > this"),
            ParameterSpec("level_nms", .float, default: .float(0.5), help: "NMS (IoU) within each pyramid level"),
            ParameterSpec("pyramid_nms", .float, default: .float(0.7), help: "NMS (IoU) over the pyramid's boxes"),
            ParameterSpec("rnet_nms", .float, default: .float(0.7), help: "NMS (IoU) after R-Net"),
            ParameterSpec("onet_nms", .float, default: .float(0.7), help: "NMS (intersection over the smaller box) after O-Net"),
        ]
    ) { parameters, _ in
        var settings = MTCNNSettings()
        settings.minFaceSize = parameters.float("min_face_size", default: 20)
        settings.factor = parameters.float("factor", default: 0.709)
        settings.thresholds = (Float(parameters.float("pnet_threshold", default: 0.6)),
                               Float(parameters.float("rnet_threshold", default: 0.7)),
                               Float(parameters.float("onet_threshold", default: 0.7)))
        settings.levelNMS = Float(parameters.float("level_nms", default: 0.5))
        settings.pyramidNMS = Float(parameters.float("pyramid_nms", default: 0.7))
        settings.refineNMS = Float(parameters.float("rnet_nms", default: 0.7))
        settings.outputNMS = Float(parameters.float("onet_nms", default: 0.7))
        let unit: [Float] = [settings.thresholds.0, settings.thresholds.1, settings.thresholds.2,
                             settings.levelNMS, settings.pyramidNMS, settings.refineNMS, settings.outputNMS]
        guard settings.minFaceSize >= 1, settings.factor > 0, settings.factor < 1, unit.allSatisfy({ (0...1).contains($0) }) else {
            throw StageError(file: parameters.file,
                             problem: "mtcnn: min_face_size must be at least 1, factor in (0, 1), thresholds and NMS overlaps in [0, 1]")
        }
        return .detector(try MTCNNDetector(weights: parameters.string("weights", default: ""), settings: settings))
    }
}
