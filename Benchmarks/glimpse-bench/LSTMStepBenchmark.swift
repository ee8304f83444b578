// LSTMStepBenchmark: Glimpse's side of the LSTM training-step comparison with PyTorch
// (Benchmarks/captioning.sh, Benchmarks/pytorch_captioning.py).
//
// The step is a captioner's language model without the image: ids `[32, 16]` -> Embedding
// (2,000 x 256) -> LSTM (256 -> 256, full length, zero state) -> Linear (256 -> 2,000) ->
// softmax cross-entropy against random targets, forward and backward (every parameter's
// gradient), no optimizer update.
//
// `glimpse-bench lstm-step --reference FILE` writes the seeded parameters (PyTorch's names:
// `embedding.weight`, `lstm.weight_ih` ..., `logits.weight`, `logits.bias`), the ids, the
// targets, the loss and every gradient (`grad.NAME`) to FILE, for the PyTorch script to load
// and check against before anything is timed.
// `glimpse-bench lstm-step --threads N [--reps R] [--warmup W] [--gemm-threads]` prints
// "lstm_step_ms", the median milliseconds of one step (with `--gemm-threads`, OpenBLAS runs N
// threads inside each GEMM instead of Glimpse's default of one: metric "lstm_step_gemm_threads_ms").

import Foundation
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

/// The step's sizes.
enum LSTMStepShape {
    static let batch = 32, steps = 16, embedding = 256, hidden = 256, vocabulary = 2000
}

/// Embedding -> LSTM -> Linear, the model of one training step.
struct LSTMStepModel {
    var embedding: Embedding
    var lstm: LSTM
    var logits: Linear

    /// Seeded parameters: PyTorch's initialisations (normal embedding, ±1/sqrt(H) for the LSTM
    /// and the linear layer, its bias included, so every gradient is checked on non-zero weights).
    init(seed: UInt64) {
        typealias S = LSTMStepShape
        var random = SeededGenerator(seed: seed)
        embedding = Embedding(vocabulary: S.vocabulary, width: S.embedding, random: &random)
        lstm = LSTM(inputSize: S.embedding, hiddenSize: S.hidden, random: &random)
        let bound = 1 / Float(S.hidden).squareRoot()
        logits = Linear(inFeatures: S.hidden, outFeatures: S.vocabulary, initializer: .uniform(bound: bound), random: &random)
        logits.bias = Tensor(shape: [S.vocabulary]) { _ in (2 * random.nextUniform() - 1) * bound }
    }

    /// The parameters under the names PyTorch's script uses.
    var parameters: [(name: String, tensor: Tensor)] {
        var out = [("embedding.weight", embedding.weight)]
        lstm.visitParameters { out.append(("lstm." + $0, $1)) }
        out += [("logits.weight", logits.weight), ("logits.bias", logits.bias!)]
        return out
    }

    /// The mean cross-entropy of `ids` `[N, T]` (integral floats) predicting `targets` (N*T ids,
    /// row-major) and every parameter's gradient, keyed like `parameters`.
    func lossAndGradients(ids: Tensor, targets: [Int]) -> (loss: Float, gradients: Gradients) {
        let (n, t, h) = (ids.shape[0], ids.shape[1], lstm.hiddenSize)
        var context = ForwardContext(random: SeededGenerator(seed: 0))
        var gradients = Gradients()
        var embedding = self.embedding, logits = self.logits
        let (embedded, embeddingPullback) = embedding.forward(ids, context: &context)
        let (outputs, _, lstmPullback) = lstm.forward(embedded, lengths: nil, initialState: nil)
        let (scores, logitsPullback) = logits.forward(outputs.reshaped([n * t, h]), context: &context)
        let (loss, dScores) = SoftmaxCrossEntropy.lossAndGradient(logits: scores, labels: targets)
        let dOutputs = gradients.scoped("logits") { logitsPullback(dScores, &$0) }
        let (dEmbedded, _) = gradients.scoped("lstm") { lstmPullback(dOutputs.reshaped([n, t, h]), nil, &$0) }
        _ = gradients.scoped("embedding") { embeddingPullback(dEmbedded, &$0) }
        return (loss, gradients)
    }
}

/// Measures the LSTM training step, or writes the reference (`--reference FILE`).
func runLSTMStepBenchmark(arguments: [String]) {
    typealias S = LSTMStepShape
    var rest = arguments
    let reference = takeOption("--reference", from: &rest)
    let gemmThreads = rest.contains("--gemm-threads")
    rest.removeAll { $0 == "--gemm-threads" }
    let options = BenchOptions(rest, defaultReps: 30, defaultWarmup: 3)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    if gemmThreads { BLAS.setThreads(options.threads) }
    let model = LSTMStepModel(seed: 1)
    var random = SeededGenerator(seed: 2)
    let ids = Tensor(shape: [S.batch, S.steps]) { _ in Float(Int(random.next() % UInt64(S.vocabulary))) }
    let targets = (0..<(S.batch * S.steps)).map { _ in Int(random.next() % UInt64(S.vocabulary)) }

    if let reference {
        let (loss, gradients) = model.lossAndGradients(ids: ids, targets: targets)
        var dump = model.parameters
        dump += [("ids", ids), ("targets", Tensor(shape: [targets.count], scalars: targets.map(Float.init))),
                 ("loss", Tensor(shape: [1], scalars: [loss]))]
        for (name, _) in model.parameters {
            guard let gradient = gradients[name] else { fail("lstm-step: no gradient for \(name)") }
            dump.append(("grad." + name, gradient))
        }
        do {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: reference).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try SafetensorsFile.write(dump, metadata: ["loss": String(loss)], to: URL(fileURLWithPath: reference))
        } catch {
            fail("lstm-step: cannot write \(reference): \(error)")
        }
        printError("glimpse-bench: lstm-step reference (loss \(loss)) written to \(reference)")
        return
    }

    var sink: Float = 0
    let times = measureSeconds(warmup: options.warmup, reps: options.reps) {
        sink += model.lossAndGradients(ids: ids, targets: targets).loss
    }
    reportResult(impl: "glimpse", metric: gemmThreads ? "lstm_step_gemm_threads_ms" : "lstm_step_ms", threads: options.threads,
                 median: median(times) * 1000, reps: options.reps)
    if sink.isNaN { printError("lstm-step: NaN loss") }
}
