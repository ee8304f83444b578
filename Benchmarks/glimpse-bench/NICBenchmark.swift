// NICBenchmark: Glimpse's side of the captioning comparison with PyTorch
// (Benchmarks/captioning.sh, Benchmarks/pytorch_captioning.py): beam-3 captions of 500 images
// from their pooled features `[500, D]`, i.e. image embedding, LSTM steps, log-softmax and beam
// search. The CNN is left out: it is the detector's DeepConvNet trunk, timed by fast-rcnn.sh.
//
// `glimpse-bench nic --make-random FILE [--vocabulary 87]` writes a random NIC weights file
// that `NICCaptioner` loads: the trunk of `FastRCNNNetwork` at input 192 up to relu6 (a 49x49
// map, max-pooled to 7x7: D = 3,136), E = H = 256, first-input feeding, a made-up vocabulary.
// `glimpse-bench nic --weights FILE --reference OUT` writes the features (seeded, non-negative
// like pooled ReLU maps: max(0, N(0, 1))), the log-probabilities of the first three steps with
// fixed tokens, and the best 1 and 3 captions of every image (`BeamSearch.decode` over all 500
// rows), for the PyTorch script to check against; it also counts the images whose
// one-at-a-time captions equal the batched ones.
// `glimpse-bench nic --weights FILE --threads N [--reps R] [--warmup W] [--single-reps S]
// [--gemm-threads]` prints "nic_batched_ms" (one `BeamSearch.decode` over the 500 rows: every
// beam of every image in one LSTM step) and "nic_single_ms" (500 calls of one row each), medians.

import Foundation
import GlimpseCaptioning
import GlimpseDetection
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

/// The images, beam width and captions per image the benchmark decodes.
enum NICBenchmarkSettings {
    static let images = 500, beam = 3, count = 1
}

/// Measures batched and one-at-a-time beam search, writes the reference, or writes random weights.
func runNICBenchmark(arguments: [String]) {
    var rest = arguments
    let vocabularyOption = takeOption("--vocabulary", from: &rest)
    if let path = takeOption("--make-random", from: &rest) {
        guard rest.isEmpty else { fail("nic --make-random FILE takes only --vocabulary, got \(rest)") }
        guard let vocabulary = Int(vocabularyOption ?? "87"), vocabulary >= 5 else { fail("nic: --vocabulary must be an integer >= 5") }
        writeRandomNICWeights(to: path, vocabulary: vocabulary)
        return
    }
    guard vocabularyOption == nil else { fail("nic: --vocabulary goes with --make-random") }
    guard let path = takeOption("--weights", from: &rest) else { fail("nic: --weights FILE is required") }
    let reference = takeOption("--reference", from: &rest)
    let singleReps = Int(takeOption("--single-reps", from: &rest) ?? "3") ?? 3
    let gemmThreads = rest.contains("--gemm-threads")
    rest.removeAll { $0 == "--gemm-threads" }
    let options = BenchOptions(rest, defaultReps: 10, defaultWarmup: 1)
    Compute.configureAllocator()
    Compute.setThreads(options.threads)
    if gemmThreads { BLAS.setThreads(options.threads) }
    let captioner: NICCaptioner
    do {
        captioner = try NICCaptioner(weights: path, beam: NICBenchmarkSettings.beam)
    } catch {
        fail("nic: \(error)")
    }
    let decoder = captioner.decoder, search = captioner.search
    let (n, d) = (NICBenchmarkSettings.images, captioner.network.featureSize)
    var random = SeededGenerator(seed: 3)
    let features = Tensor(shape: [n, d]) { _ in max(0, random.nextNormal()) }
    let rows = (0..<n).map { i in Tensor(shape: [1, d], scalars: Array(features.scalars[(i * d)..<((i + 1) * d)])) }

    if let reference {
        writeNICReference(to: reference, weights: path, decoder: decoder, search: search, features: features, rows: rows)
        return
    }
    var sink = 0
    let batched = measureSeconds(warmup: options.warmup, reps: options.reps) {
        sink += search.decode(decoder, features: features, count: NICBenchmarkSettings.count).count
    }
    let suffix = gemmThreads ? "_gemm_threads_ms" : "_ms"
    reportResult(impl: "glimpse", metric: "nic_batched" + suffix, threads: options.threads, median: median(batched) * 1000, reps: options.reps)
    let single = measureSeconds(warmup: 0, reps: max(1, singleReps)) {
        for row in rows { sink += search.decode(decoder, features: row, count: NICBenchmarkSettings.count).count }
    }
    reportResult(impl: "glimpse", metric: "nic_single" + suffix, threads: options.threads, median: median(single) * 1000, reps: max(1, singleReps))
    if sink == 0 { printError("nic: no captions") }
}

/// Captions `[N, count, maxLength + 1]` (token ids, -1 after the caption's end or for a missing
/// caption), their log-probabilities `[N, count]` and whether each finished `[N, count]` (1, 0, -1 missing).
func captionTensors(_ found: [[DecodedCaption]], count: Int, maxLength: Int) -> [(String, Tensor)] {
    let n = found.count, width = maxLength + 1
    var tokens = [Float](repeating: -1, count: n * count * width)
    var logProbabilities = [Float](repeating: 0, count: n * count)
    var finished = [Float](repeating: -1, count: n * count)
    for (i, captions) in found.enumerated() {
        for (j, caption) in captions.enumerated() {
            for (k, token) in caption.tokens.enumerated() { tokens[(i * count + j) * width + k] = Float(token) }
            logProbabilities[i * count + j] = caption.logProbability
            finished[i * count + j] = caption.finished ? 1 : 0
        }
    }
    return [("captions_c\(count)", Tensor(shape: [n, count, width], scalars: tokens)),
            ("logp_c\(count)", Tensor(shape: [n, count], scalars: logProbabilities)),
            ("finished_c\(count)", Tensor(shape: [n, count], scalars: finished))]
}

/// Writes what the PyTorch script checks: features, the first steps' log-probabilities and the captions.
func writeNICReference(to path: String, weights: String, decoder: NICDecoder, search: BeamSearch, features: Tensor, rows: [Tensor]) {
    let n = features.shape[0], v = decoder.vocabularySize
    var dump: [(name: String, tensor: Tensor)] = [("features", features)]
    // Three steps from the image with fixed tokens: <s>, then ids spread over the vocabulary.
    var state = decoder.start(features)
    let fed = [[Int](repeating: decoder.startToken, count: n), (0..<n).map { 4 + (7 * $0) % (v - 4) },
               (0..<n).map { 4 + (13 * $0 + 3) % (v - 4) }]
    for (step, tokens) in fed.enumerated() {
        let (logProbabilities, next) = decoder.step(tokens: tokens, state: state)
        dump += [("tokens_step\(step)", Tensor(shape: [n], scalars: tokens.map(Float.init))), ("logp_step\(step)", logProbabilities)]
        state = next
    }
    var metadata = ["weights": weights, "beam": String(search.beamWidth), "max_length": String(search.maxLength),
                    "count": String(NICBenchmarkSettings.count)]
    for count in Set([1, NICBenchmarkSettings.count, search.beamWidth]).sorted() {
        let found = search.decode(decoder, features: features, count: count)
        dump += captionTensors(found, count: count, maxLength: search.maxLength).map { (name: $0.0, tensor: $0.1) }
        let single = rows.map { search.decode(decoder, features: $0, count: count)[0] }
        let agree = zip(found, single).filter { $0.map(\.tokens) == $1.map(\.tokens) }.count
        metadata["single_agree_c\(count)"] = String(agree)
        if count == NICBenchmarkSettings.count {
            let best = found.compactMap(\.first)
            let words = best.map(\.tokens.count).reduce(0, +)
            metadata["mean_words"] = String(format: "%.2f", Double(words) / Double(max(1, best.count)))
            metadata["finished"] = String(best.filter(\.finished).count)
        }
        printJSONLine(["impl": "glimpse", "metric": .string("nic_single_agree_c\(count)"), "value": .int(agree)])
    }
    printJSONLine(["impl": "glimpse", "metric": "nic_mean_words", "value": .string(metadata["mean_words"]!)])
    printJSONLine(["impl": "glimpse", "metric": "nic_finished", "value": .string(metadata["finished"]!)])
    do {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
        try SafetensorsFile.write(dump, metadata: metadata, to: URL(fileURLWithPath: path))
    } catch {
        fail("nic: cannot write \(path): \(error)")
    }
    printError("glimpse-bench: nic reference written to \(path)")
}

/// Writes a NIC weights file with random weights that `NICCaptioner` loads: the Fast R-CNN trunk
/// at input 192 up to relu6, a 7x7 grid, E = H = 256, an LSTM fed the image first, and the
/// vocabulary `<pad> <s> </s> <unk> w4 ... w{V-1}`. The embeddings keep NICNetwork's ±0.08, the
/// LSTM PyTorch's ±1/16; the logits get ±0.5 and every bias ±0.1, so each tensor shows in the
/// equality check with PyTorch. The speed does not depend on the values, the caption lengths
/// do: with random weights almost every caption runs to the 20-word limit (raising `</s>`'s bias
/// only flips beam search to ending every caption at once, as `</s>` costs the same at every
/// step), so the random rows are the long-caption case: 21 LSTM steps per image.
func writeRandomNICWeights(to path: String, vocabulary size: Int) {
    let inputSize = 192, grid = 7
    let trunk = FastRCNNNetwork(slots: 2, inputSize: inputSize, featureLayer: "relu6", seed: 1).trunk
    var network = NICNetwork(cnn: trunk, inputSize: inputSize, grid: grid, vocabulary: size, dropout: 0, seed: 1)
    var random = SeededGenerator(seed: 2)
    network.updateParameters { name, value in
        if name == "logits.weight" { value = Tensor(shape: value.shape) { _ in (2 * random.nextUniform() - 1) * 0.5 } }
        if name == "image_embedding.bias" || name == "logits.bias" {
            value = Tensor(shape: value.shape) { _ in (2 * random.nextUniform() - 1) * 0.1 }
        }
    }
    let words = CaptionVocabulary.specials + (4..<size).map { "w\($0)" }
    let preprocessing = ImagePreprocessing(inputSize: inputSize, channelOrder: "RGB", mean: [128, 128, 128], std: [1, 1, 1], scale: 1 / 255)
    let description = CaptionerDescription(
        method: "nic", vocabulary: CaptionVocabulary(words: words, minimumCount: 1), cell: .lstm, feeding: .firstInput,
        cnnLayer: "relu6", grid: grid, maxLength: 20, preprocessing: preprocessing, sharedBackbone: nil,
        extra: ["train.note": "random weights (glimpse-bench nic --make-random), for the PyTorch comparison; not trained"])
    do {
        try network.save(to: URL(fileURLWithPath: path), metadata: description.metadata)
        _ = try NICCaptioner(weights: path)
    } catch {
        fail("nic: cannot write random weights to \(path): \(error)")
    }
    printError("glimpse-bench: wrote random NIC weights (vocabulary \(size), D = \(network.featureSize)) to \(path)")
}
