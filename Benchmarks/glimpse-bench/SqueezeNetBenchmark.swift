// SqueezeNetBenchmark: SqueezeNet 1.1 inference at 227x227 with the shipped ImageNet weights.
//
// `glimpse-bench squeezenet --threads N --reps R --warmup W` prints, as JSON lines,
// "squeezenet_b1_images_per_s" and "squeezenet_b16_images_per_s": images per second at batch
// 1 and 16 (median over the timed repetitions). Inputs are random (seeded); run from the
// project root (Benchmarks/run.sh does) so datasets/weights/squeezenet1_1.safetensors is found.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseTensor
import GlimpseTraining

/// Measures SqueezeNet 1.1 inference images/s at batch 1 and 16 on `--threads` workers.
func runSqueezeNetBenchmark(arguments: [String]) {
    let options = BenchOptions(arguments, defaultReps: 20, defaultWarmup: 3)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    var model = SqueezeNet.make()
    do {
        try model.load(contentsOf: URL(fileURLWithPath: "datasets/weights/squeezenet1_1.safetensors"))
    } catch {
        fail("squeezenet: \(error)")
    }
    var random = SeededGenerator(seed: 1)
    var sink: Float = 0
    for batch in [1, 16] {
        let images = Tensor(shape: [batch, 3, 227, 227]) { _ in random.nextUniform() * 255 - 128 }
        let times = measureSeconds(warmup: options.warmup, reps: options.reps) {
            sink += model(images).scalars[0]
        }
        reportResult(impl: "glimpse", metric: "squeezenet_b\(batch)_images_per_s", threads: options.threads,
                     median: Double(batch) / median(times), reps: options.reps)
    }
    if sink.isNaN { printError("squeezenet: NaN output") }
}
