// FastRCNNBenchmark: Glimpse's side of the Fast R-CNN comparison with PyTorch
// (Benchmarks/fast-rcnn.sh, Benchmarks/pytorch_fast_rcnn.py).
//
// `glimpse-bench fast-rcnn --threads N --reps R --warmup W` loads the shipped scene detector
// (datasets/weights/fast-rcnn-scenes.safetensors; run from the project root), builds one seeded
// input image `[1, 3, S, S]` at the weights' input size and 400 and 2000 seeded RoIs `[R, 5]` (integer pixel corners
// inside the image, as the detector passes proposals), and prints, as JSON lines,
// "fast_rcnn_r400_ms" and "fast_rcnn_r2000_ms": the median milliseconds of one image's
// inference (trunk pass, RoI max pooling, fc1, softmax class probabilities and box deltas).
// The first run (threads 1) also writes the inputs and Glimpse's outputs to
// out/fast-rcnn-bench.safetensors, so the PyTorch script checks its outputs against them
// before timing.

import Foundation
import GlimpseDetection
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// The benchmark's seeded RoIs: `count` rows `[0, x1, y1, x2, y2]`, integer corners in `0..<side`.
func benchmarkRoIs(count: Int, side: Int, seed: UInt64) -> Tensor {
    var generator = SplitMix64(seed: seed)
    var values = [Float]()
    for _ in 0..<count {
        let w = 8 + Int(generator.next() % UInt64(side / 2)), h = 8 + Int(generator.next() % UInt64(side / 2))
        let x1 = Int(generator.next() % UInt64(side - w)), y1 = Int(generator.next() % UInt64(side - h))
        values += [0, Float(x1), Float(y1), Float(x1 + w - 1), Float(y1 + h - 1)]
    }
    return Tensor(shape: [count, 5], scalars: values)
}

/// Measures Fast R-CNN inference per image at 400 and 2000 RoIs on `--threads` workers.
func runFastRCNNBenchmark(arguments: [String]) {
    let options = BenchOptions(arguments, defaultReps: 30, defaultWarmup: 3)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    let path = "datasets/weights/fast-rcnn-scenes.safetensors"
    let detector: FastRCNNDetector
    do {
        detector = try FastRCNNDetector(weights: path)
    } catch {
        fail("fast-rcnn: \(error)")
    }
    let network = detector.network
    let side = network.inputSize
    var random = SeededGenerator(seed: 1)
    let image = Tensor(shape: [1, 3, side, side]) { _ in random.nextUniform() - 0.5 }
    var dump: [(name: String, tensor: Tensor)] = [("image", image)]
    var sink: Float = 0
    for count in [400, 2000] {
        let rois = benchmarkRoIs(count: count, side: side, seed: UInt64(count))
        let (probabilities, deltas) = network.heads(features: network(image), rois: rois)
        dump += [("rois_\(count)", rois), ("probabilities_\(count)", probabilities), ("deltas_\(count)", deltas)]
        let times = measureSeconds(warmup: options.warmup, reps: options.reps) {
            sink += network.heads(features: network(image), rois: rois).probabilities.scalars[0]
        }
        reportResult(impl: "glimpse", metric: "fast_rcnn_r\(count)_ms", threads: options.threads,
                     median: median(times) * 1000, reps: options.reps)
    }
    if options.threads == 1 {
        do {
            try FileManager.default.createDirectory(atPath: "out", withIntermediateDirectories: true)
            try SafetensorsFile.write(dump, metadata: ["weights": path], to: URL(fileURLWithPath: "out/fast-rcnn-bench.safetensors"))
        } catch {
            fail("fast-rcnn: cannot write out/fast-rcnn-bench.safetensors: \(error)")
        }
    }
    if sink.isNaN { printError("fast-rcnn: NaN output") }
}
