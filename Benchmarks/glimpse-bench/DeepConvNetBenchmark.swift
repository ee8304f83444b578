// DeepConvNetBenchmark: Glimpse's side of the DeepConvNet comparison with PyTorch.
//
// `glimpse-bench deepconvnet --threads N --reps R --warmup W` prints, as JSON lines:
//   "train_step_ms"       median milliseconds of one training step at batch 100
//                         (forward, softmax cross-entropy, backward, Adam lr 0.001);
//   "infer_images_per_s"  100 / median seconds of one inference forward at batch 100.
// Inputs are random (seeded); speed does not depend on the values.

import GlimpseModels
import GlimpseNN
import GlimpseOptim
import GlimpseTensor
import GlimpseTraining

/// Measures DeepConvNet training steps and inference at batch 100 on `--threads` workers.
func runDeepConvNetBenchmark(arguments: [String]) {
    let options = BenchOptions(arguments)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    var random = SeededGenerator(seed: 1)
    let images = Tensor(shape: [100, 1, 28, 28]) { _ in random.nextUniform() }
    let labels = (0..<100).map { _ in Int(random.next() % 10) }
    var model = DeepConvNet.make(seed: 1)
    var optimizer = Adam()
    let trainTimes = measureSeconds(warmup: options.warmup, reps: options.reps) {
        _ = ClassifierStep.train(model: &model, optimizer: &optimizer, images: images, labels: labels,
                                 learningRate: 0.001, random: &random)
    }
    reportResult(impl: "glimpse", metric: "train_step_ms", threads: options.threads,
                 median: median(trainTimes) * 1000, reps: options.reps)
    var sink: Float = 0
    let inferTimes = measureSeconds(warmup: options.warmup, reps: options.reps) {
        sink += model(images).scalars[0]
    }
    reportResult(impl: "glimpse", metric: "infer_images_per_s", threads: options.threads,
                 median: 100 / median(inferTimes), reps: options.reps)
    if sink.isNaN { printError("deepconvnet: NaN output") }
}
