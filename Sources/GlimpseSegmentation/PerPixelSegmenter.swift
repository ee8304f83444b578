// PerPixelSegmenter: the naive baseline FCN replaces (Long et al. 2015, section 3.1; the seed
// text's "classify a window around every pixel"): an FCN-32s's classifier turned back into the
// window classifier it was convolutionalised from, run once per pixel.
//
//   window [B, 3, S, S] -> conv1..pool3 (DeepConvNet's own padding) [B, 64, S', S']
//   -> the 4x4 pool3 cells under the output cell [B, 64, 4, 4] -> flatten [B, 1024]
//   -> fc1 (the 4x4 convolution linearised: Linear 1024 -> 50) -> relu7
//   -> score_fr (the 1x1 convolution linearised: Linear 50 -> K)            [B, K]
//
// Two windows (`Window`):
//   classifier       S = 28, DeepConvNet's input: the seed text's per-pixel classifier. Its
//                    convolutions pad with zeros at the window's edge, where the FCN's same cell
//                    reads real features of the surrounding image (DeepConvNet's convolutions are
//                    padded, so a score_fr cell depends on 60 x 60 pixels, not 28 x 28): it is not
//                    the FCN's score_fr, only the classifier the FCN was made from.
//   receptive-field  S = 60, everything a score_fr cell depends on, so the padding never reaches
//                    the cell used: exactly the FCN's score_fr at every cell whose 60 pixels lie
//                    inside the image (the claim that FCN computes what per-window classification
//                    computes, sharing the overlapping work), at about (60 / 28)^2 the cost.
//
// Placement: the geometry through FCNNetwork's windows puts score cell j of a window at
// 8j + 13.5 (ScoreMapGeometry); the cell used is the one nearest the window's centre (j = 0 at
// 13.5 for 28, j = 2 at 29.5 for 60). That centre is half a pixel off the pixel grid: pixel p's
// window starts at the nearest integer, p - 13 (p - 29), the tie going to the later origin, so
// the cell's centre is p + 0.5 on both axes (half a pixel right of and below the pixel; the
// FCN-32s's output at p interpolates mostly that same cell). Window parts outside the image are
// zeros in the network's input space (after normalisation), like the FCN's zero padding.
//
// Windows are evaluated `batch` at a time: one classifier evaluation per pixel, batched.

import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// The FCN-32s's classifier applied to a window around every pixel, as a pipeline segmenter.
public struct PerPixelSegmenter: Segmenter {
    /// `"per-pixel"`.
    public static let conformanceName = "per-pixel"
    /// Windows per forward pass by default (one row of the 128-pixel scenes).
    public static let defaultBatch = 128

    /// How much image each pixel's classifier sees.
    public enum Window: String, CaseIterable, Sendable {
        /// DeepConvNet's 28 x 28 input: the classifier the FCN was convolutionalised from.
        case classifier
        /// The 60 x 60 pixels a score_fr cell depends on: equals the FCN's score_fr inside the image.
        case receptiveField = "receptive-field"

        /// "classifier, receptive-field".
        public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// conv1..pool3 of the FCN, with DeepConvNet's padding.
    public let trunk: Sequential
    /// fc1 as a fully connected layer, `[hidden, 64 * 4 * 4]`.
    public let fc1: Linear
    /// score_fr as a fully connected layer, `[classes, hidden]`.
    public let scoreFr: Linear
    /// What the weights file says.
    public let description: SegmenterDescription
    /// Which window.
    public let window: Window
    /// The window's side in pixels (28 or 60).
    public let side: Int
    /// Where pixel p's window starts: p + `origin` on both axes (-13 or -29).
    public let origin: Int
    /// Windows per forward pass.
    public let batch: Int
    /// The pool3 cells (per axis) fc1 reads for the cell used: the first, and how many (fc1's kernel, 4).
    let pool3Start: Int, pool3Side: Int

    /// The classifier of an FCN-32s `network`.
    public init(network: FCNNetwork, description: SegmenterDescription, window: Window = .classifier, batch: Int = defaultBatch) {
        precondition(network.variant == .fcn32s, "PerPixelSegmenter: needs an fcn-32s network, got \(network.variant.rawValue)")
        precondition(network.classes == description.classes.count, "PerPixelSegmenter: \(network.classes) scores for \(description.classes.count) classes")
        precondition(batch >= 1, "PerPixelSegmenter: batch \(batch)")
        trunk = Sequential(network.stage1.layers.map { ($0.name, $0.layer) } + network.stage2.layers.map { ($0.name, $0.layer) }
                           + network.stage3.layers.map { ($0.name, $0.layer) })
        let fc1Convolution = network.head["fc1"] as! Conv2D
        fc1 = fc1Convolution.linearized()
        scoreFr = (network.head["score_fr"] as! Conv2D).linearized()
        (self.description, self.window, self.batch) = (description, window, batch)
        precondition(fc1Convolution.weight.shape[2] == FCNNetwork.headWindows[0].0 && fc1Convolution.weight.shape[3] == FCNNetwork.headWindows[0].0,
                     "PerPixelSegmenter: fc1 is \(fc1Convolution.weight.shape), not the geometry's \(FCNNetwork.headWindows[0].0)x\(FCNNetwork.headWindows[0].0)")
        (side, origin, pool3Start) = Self.placement(window)
        pool3Side = FCNNetwork.headWindows[0].0
    }

    /// Loads FCN-32s weights (`FCNSegmenter.load(weights:)`); throws `StageError` naming `path`
    /// when the file is unreadable, not FCN weights, or another variant's.
    public init(weights path: String, window: Window = .classifier, batch: Int = defaultBatch) throws {
        let (network, description) = try FCNSegmenter.load(weights: path)
        guard description.variant == .fcn32s else {
            throw StageError(file: path, problem: "\(description.variant.rawValue) weights: per-pixel needs the fcn-32s net's classifier "
                             + "(fc1 and score_fr alone; the finer nets' scores also come from skip layers no window classifier has)")
        }
        guard batch >= 1 else { throw StageError(file: path, problem: "batch \(batch): at least 1 window per pass") }
        self.init(network: network, description: description, window: window, batch: batch)
    }

    /// The window's side, where pixel p's window starts relative to p, and the first pool3 cell
    /// fc1 reads, from the geometry of FCNNetwork's windows.
    static func placement(_ window: Window) -> (side: Int, origin: Int, pool3Start: Int) {
        let trunkWindows = FCNNetwork.stage1Windows + FCNNetwork.stage2Windows + FCNNetwork.stage3Windows
        let all = trunkWindows + FCNNetwork.headWindows
        func cells(_ side: Int) -> Int { all.reduce(side) { MapSize.window($0, kernel: $1.0, stride: $1.1, padding: $1.2) } }
        let side: Int
        switch window {
        case .classifier:
            // The smallest window with one score cell: DeepConvNet's 28.
            side = (1...1024).first { cells($0) >= 1 }!
        case .receptiveField:
            // What one score cell depends on, walking back through every window: 60.
            side = all.reversed().reduce(1) { ($0 - 1) * $1.1 + $1.0 }
        }
        let scores = all.reduce(ScoreMapGeometry.input) { $0.window(kernel: $1.0, stride: $1.1, padding: $1.2) }
        // The score cell nearest the window's centre, and that cell's centre on the window.
        let middle = Double(side - 1) / 2
        let cell = (0..<cells(side)).min { abs(scores.scale * Double($0) + scores.offset - middle) < abs(scores.scale * Double($1) + scores.offset - middle) }!
        let centre = scores.scale * Double(cell) + scores.offset
        // Nearest integer origin, a tie going to the later one: centre p + 0.5 for a half-pixel centre.
        let origin = Int((0.5 - centre).rounded(.down))
        // fc1 reads pool3 cells cell..<cell + 4 only while the head's windows have stride 1 and no padding.
        precondition(FCNNetwork.headWindows.allSatisfy { $0.1 == 1 && $0.2 == 0 }, "PerPixelSegmenter: the head's windows must be unpadded, stride 1")
        return (side, origin, cell)
    }

    /// The class names by id.
    public var categories: [String] { description.classes }

    /// The label map of `input.image`.
    public func segment(_ input: StageInput) throws -> LabelMap { FCNSegmenter.argmax(scores(of: input.image)) }

    /// Every pixel's class scores (logits), one window each: `[1, classes, H, W]`.
    public func scores(of image: Image) -> Tensor {
        let input = description.preprocessing.tensorAtNativeSize(for: image)
        let (h, w, k) = (image.height, image.width, scoreFr.weight.shape[0])
        let plane = h * w
        var out = Tensor(zeros: [1, k, h, w])
        out.withUnsafeMutableBufferPointer { o in
            for start in stride(from: 0, to: plane, by: batch) {
                let pixels = start..<min(plane, start + batch)
                let logits = classify(windows(of: input, pixels: pixels))
                logits.withUnsafeBufferPointer { l in
                    for (row, pixel) in pixels.enumerated() {
                        for c in 0..<k { o[c * plane + pixel] = l[row * k + c] }
                    }
                }
            }
        }
        return out
    }

    /// The windows of `pixels` (raster indices y * W + x) in `input` `[1, C, H, W]` (the network's
    /// input space), zeros outside the image: `[pixels.count, C, side, side]`.
    public func windows(of input: Tensor, pixels: Range<Int>) -> Tensor {
        precondition(input.rank == 4 && input.shape[0] == 1, "PerPixelSegmenter.windows: input must be [1, C, H, W], got \(input.shape)")
        let (c, h, w, s) = (input.shape[1], input.shape[2], input.shape[3], side)
        precondition(pixels.lowerBound >= 0 && pixels.upperBound <= h * w, "PerPixelSegmenter.windows: pixels \(pixels) outside \(h)x\(w)")
        var out = Tensor(zeros: [pixels.count, c, s, s])
        out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { x in
                for (n, pixel) in pixels.enumerated() {
                    let (top, left) = (pixel / w + origin, pixel % w + origin)
                    let (x0, x1) = (max(0, left), min(w, left + s)), (y0, y1) = (max(0, top), min(h, top + s))
                    guard x0 < x1 && y0 < y1 else { continue }
                    for channel in 0..<c {
                        for row in y0..<y1 {
                            let target = o.baseAddress! + ((n * c + channel) * s + row - top) * s + x0 - left
                            target.update(from: x.baseAddress! + (channel * h + row) * w + x0, count: x1 - x0)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The classifier's logits for windows `[B, C, side, side]`: `[B, classes]`.
    public func classify(_ windows: Tensor) -> Tensor {
        precondition(windows.rank == 4 && windows.shape[2] == side && windows.shape[3] == side,
                     "PerPixelSegmenter.classify: windows must be [B, C, \(side), \(side)], got \(windows.shape)")
        var pool3 = trunk(windows)
        if pool3.shape[2] != pool3Side || pool3.shape[3] != pool3Side {
            pool3 = Crop(top: pool3Start, left: pool3Start, height: pool3Side, width: pool3Side)(pool3)
        }
        let hidden = ReLU()(fc1(pool3.reshaped([windows.shape[0], pool3.count / windows.shape[0]])))
        return scoreFr(hidden)
    }
}

extension PerPixelSegmenter {
    /// The registry entry: `weights`, `window`, `batch`.
    public static let registryEntry = Conformance(
        kind: .segmenter, name: conformanceName,
        summary: "the FCN-32s's classifier on a window around every pixel, one evaluation per pixel (the naive baseline FCN replaces)",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/fcn32s-scenes.safetensors"),
                          help: "fcn-32s weights written by glimpse train segmenter"),
            ParameterSpec("window", .string, default: .string(Window.classifier.rawValue),
                          help: "classifier (28 px, DeepConvNet's input) or receptive-field (60 px, equals the FCN's scores inside the image)"),
            ParameterSpec("batch", .int, default: .int(defaultBatch), help: "windows per forward pass"),
        ]
    ) { (parameters: StageParameters) throws -> StageInstance in
        let weights = parameters.string("weights", default: ""), windowName = parameters.string("window", default: Window.classifier.rawValue)
        guard let window = Window(rawValue: windowName) else {
            throw StageError(file: parameters.file, problem: "window \"\(windowName)\": \(Window.names)")
        }
        let batch = parameters.int("batch", default: defaultBatch)
        guard batch >= 1 else { throw StageError(file: parameters.file, problem: "batch \(batch): at least 1") }
        return .segmenter(try PerPixelSegmenter(weights: weights, window: window, batch: batch))
    }
}
