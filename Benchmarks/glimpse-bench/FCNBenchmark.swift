// FCNBenchmark: Glimpse's side of the FCN comparison with PyTorch (Benchmarks/fcn.sh,
// Benchmarks/pytorch_fcn.py).
//
// `glimpse-bench fcn --threads N --reps R --warmup W [--weights FILE]` loads an FCN segmenter's
// weights (default datasets/weights/fcn8s-scenes.safetensors; run from the project root), builds
// one seeded input `[1, C, S, S]` for S = 128 and 256 (values in [-0.5, 0.5), the range of the
// scenes' preprocessed pixels) and prints, as JSON lines, "fcn_s128_ms" and "fcn_s256_ms": the
// median milliseconds of `network(input)`, the per-pixel scores `[1, K, S, S]` (zero padding,
// trunk, scoring layers, upsampling and crops). The first run (threads 1) also writes the
// inputs, Glimpse's scores and the network's geometry (padding per side, crop offsets) to
// out/fcn-bench.safetensors, so the PyTorch script checks its arithmetic and its outputs against
// them before timing.
//
// `glimpse-bench fcn --make-random FILE [--variant fcn-8s]` writes instead a weights file of the
// shipped scenes' shape (11 classes, RGB) with random weights, to run the comparison before
// trained weights exist (see `writeRandomFCNWeights`).

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseSegmentation
import GlimpseSerialization
import GlimpseTensor

/// The image sides the FCN benchmark measures.
let fcnBenchmarkSides = [128, 256]

/// Measures FCN per-pixel scores at 128 and 256 px on `--threads` workers, or writes random
/// weights (`--make-random FILE [--variant NAME]`).
func runFCNBenchmark(arguments: [String]) {
    var rest = arguments
    let variantName = takeOption("--variant", from: &rest)
    if let path = takeOption("--make-random", from: &rest) {
        guard rest.isEmpty else { fail("fcn --make-random FILE takes only --variant, got \(rest)") }
        guard let variant = FCNVariant(rawValue: variantName ?? FCNVariant.fcn8s.rawValue) else {
            fail("fcn: unknown variant '\(variantName ?? "")' (expected one of \(FCNVariant.names))")
        }
        writeRandomFCNWeights(to: path, variant: variant)
        return
    }
    guard variantName == nil else { fail("fcn: --variant goes with --make-random (the weights file names its variant)") }
    let path = takeOption("--weights", from: &rest) ?? "datasets/weights/fcn8s-scenes.safetensors"
    let options = BenchOptions(rest, defaultReps: 30, defaultWarmup: 3)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    let network: FCNNetwork, description: SegmenterDescription
    do {
        (network, description) = try FCNSegmenter.load(weights: path)
    } catch {
        fail("fcn: \(error)")
    }
    var metadata = ["weights": path, "variant": network.variant.rawValue, "pad": String(network.pad),
                    "pool2_offset": String(network.pool2Offset), "pool1_offset": String(network.pool1Offset),
                    "output_offset": String(network.outputOffset)]
    var dump: [(name: String, tensor: Tensor)] = []
    var random = SeededGenerator(seed: 1)
    var sink: Float = 0
    for side in fcnBenchmarkSides {
        let image = Tensor(shape: [1, description.preprocessing.channels, side, side]) { _ in random.nextUniform() - 0.5 }
        let padding = network.padding(side: side)
        metadata["padding_\(side)"] = "\(padding.before),\(padding.after)"
        dump += [("image_\(side)", image), ("scores_\(side)", network(image))]
        let times = measureSeconds(warmup: options.warmup, reps: options.reps) {
            sink += network(image).scalars[0]
        }
        reportResult(impl: "glimpse", metric: "fcn_s\(side)_ms", threads: options.threads,
                     median: median(times) * 1000, reps: options.reps)
    }
    if options.threads == 1 {
        do {
            try FileManager.default.createDirectory(atPath: "out", withIntermediateDirectories: true)
            try SafetensorsFile.write(dump, metadata: metadata, to: URL(fileURLWithPath: "out/fcn-bench.safetensors"))
        } catch {
            fail("fcn: cannot write out/fcn-bench.safetensors: \(error)")
        }
    }
    if sink.isNaN { printError("fcn: NaN output") }
}

/// Writes an FCN weights file for `variant` with random weights, loadable by
/// `FCNSegmenter.load(weights:)`: 11 classes (background and the digits, as the scenes), RGB
/// input with the scenes' preprocessing. conv1..conv6 and fc1 are He-initialised (seed 1); every
/// tensor that starts at zero (the scoring layers, all biases) gets uniform values in (-a, a),
/// a = sqrt(6 / fan-in) for weights and 0.1 for biases, so that each layer shows in the output
/// and the equality check with PyTorch covers them all; the upsampling stays bilinear.
func writeRandomFCNWeights(to path: String, variant: FCNVariant) {
    var network = FCNNetwork(variant: variant, classes: 11, seed: 1)
    var random = SeededGenerator(seed: 2)
    network.updateParameters { name, value in
        guard !name.hasPrefix(FCNNetwork.upsamplingPrefix), value.scalars.allSatisfy({ $0 == 0 }) else { return }
        let bound: Float = value.rank == 1 ? 0.1 : (6 / Float(value.count / value.shape[0])).squareRoot()
        value = Tensor(shape: value.shape) { _ in (2 * random.nextUniform() - 1) * bound }
    }
    let preprocessing = ImagePreprocessing(inputSize: 128, channelOrder: "RGB", mean: [128, 128, 128], std: [1, 1, 1], scale: 1 / 255)
    let description = SegmenterDescription(
        variant: variant, classes: ["background"] + (0...9).map(String.init), preprocessing: preprocessing,
        extra: ["train.note": "random weights (glimpse-bench fcn --make-random), for the PyTorch equality check; not trained"])
    do {
        try network.save(to: URL(fileURLWithPath: path), metadata: description.metadata)
        _ = try FCNSegmenter.load(weights: path)
    } catch {
        fail("fcn: cannot write random weights to \(path): \(error)")
    }
    printError("glimpse-bench: wrote random \(variant.rawValue) weights to \(path)")
}
