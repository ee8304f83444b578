// glimpse-bench: the Swift side of Benchmarks/run.sh. Prints one JSON result per line.
//
//   glimpse-bench sgemm --threads N [--reps R] [--warmup W] [--sizes 1536,2048,2560]
//       OpenBLAS SGEMM GFLOP/s on square row-major matrices: this machine's matrix-product peak.
//   glimpse-bench deepconvnet --threads N [--reps R] [--warmup W]
//       Glimpse's DeepConvNet training step and inference (DeepConvNetBenchmark.swift).
//   glimpse-bench squeezenet --threads N [--reps R] [--warmup W]
//       SqueezeNet 1.1 inference at 227x227, batch 1 and 16, shipped weights (SqueezeNetBenchmark.swift).
//   glimpse-bench fast-rcnn --threads N [--reps R] [--warmup W]
//       Fast R-CNN inference on one 128 px image with 400 and 2000 RoIs, shipped scene weights (FastRCNNBenchmark.swift).
//   glimpse-bench mtcnn --threads N [--reps R] [--warmup W] IMAGE...
//       MTCNN face detection per image, shipped weights (MTCNNBenchmark.swift).
//   glimpse-bench fcn --threads N [--reps R] [--warmup W] [--weights FILE]
//       FCN per-pixel scores of one 128 and one 256 px image, shipped (or given) segmenter weights;
//   glimpse-bench fcn --make-random FILE [--variant fcn-8s]
//       writes random FCN weights to compare with before trained ones exist (FCNBenchmark.swift).
//   glimpse-bench lstm-step --threads N [--reps R] [--warmup W] [--gemm-threads] | --reference FILE
//       an Embedding-LSTM-Linear training step, batch 32 x 16 steps (LSTMStepBenchmark.swift).
//   glimpse-bench nic --weights FILE --threads N [--reps R] [--warmup W] [--single-reps S] [--gemm-threads]
//   glimpse-bench nic --weights FILE --reference OUT | --make-random FILE [--vocabulary 87]
//       beam-3 captions of 500 images' pooled features, batched and one at a time (NICBenchmark.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GlimpseModels
import GlimpseTensor

let usage = """
    usage: glimpse-bench sgemm --threads N [--reps R] [--warmup W] [--sizes 1536,2048,2560]
           glimpse-bench deepconvnet --threads N [--reps R] [--warmup W]
           glimpse-bench squeezenet --threads N [--reps R] [--warmup W]
           glimpse-bench fast-rcnn --threads N [--reps R] [--warmup W]
           glimpse-bench mtcnn --threads N [--reps R] [--warmup W] IMAGE...
           glimpse-bench fcn --threads N [--reps R] [--warmup W] [--weights FILE]
           glimpse-bench fcn --make-random FILE [--variant fcn-32s|fcn-16s|fcn-8s]
           glimpse-bench lstm-step --threads N [--reps R] [--warmup W] [--gemm-threads]
           glimpse-bench lstm-step --reference FILE
           glimpse-bench nic --weights FILE --threads N [--reps R] [--warmup W] [--single-reps S] [--gemm-threads]
           glimpse-bench nic --weights FILE --reference OUT
           glimpse-bench nic --make-random FILE [--vocabulary 87]
    """

// MARK: - sgemm

/// Measures `C = A * B` for square `n x n` row-major matrices with `threads` OpenBLAS threads.
///
/// Prints one line per size (`sgemm_gflops_n`, with `"n"`) and then the peak line
/// `{"impl":"openblas","metric":"sgemm_gflops","threads":N,"median":x}`: the best of the
/// per-size medians, which table.py uses as this machine's SGEMM peak.
func runSGEMMBenchmark(arguments: [String]) {
    var rest = arguments
    var sizes = [1536, 2048, 2560]
    if let at = rest.firstIndex(of: "--sizes") {
        guard at + 1 < rest.count else { fail("--sizes needs a comma-separated list") }
        let parsed = rest[at + 1].split(separator: ",").compactMap { Int($0) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 > 0 }) else { fail("bad --sizes '\(rest[at + 1])'") }
        sizes = parsed
        rest.removeSubrange(at...(at + 1))
    }
    let options = BenchOptions(rest, defaultReps: 10, defaultWarmup: 2)

    BLAS.setThreads(options.threads)
    if BLAS.threads != options.threads {
        printError("glimpse-bench: warning: OpenBLAS runs \(BLAS.threads) threads, asked for \(options.threads)")
    }
    if let config = openBLASString("openblas_get_config") {
        printJSONLine(["impl": "openblas", "metric": "config", "value": .string(config)])
    }
    if let core = openBLASString("openblas_get_corename") {
        printJSONLine(["impl": "openblas", "metric": "corename", "value": .string(core)])
    }

    var best = 0.0
    for n in sizes {
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        var generator = SplitMix64(seed: 42)
        for i in 0..<count {
            a[i] = generator.nextUnitFloat() - 0.5
            b[i] = generator.nextUnitFloat() - 0.5
            c[i] = 0
        }
        let seconds = measureSeconds(warmup: options.warmup, reps: options.reps) {
            BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n)
        }
        let flops = 2.0 * Double(n) * Double(n) * Double(n)
        let gflops = flops / median(seconds) / 1e9
        best = max(best, gflops)
        printJSONLine(["impl": "openblas", "metric": "sgemm_gflops_n", "threads": .int(options.threads),
                       "n": .int(n), "median": .double(gflops), "reps": .int(options.reps)])
    }
    printJSONLine(["impl": "openblas", "metric": "sgemm_gflops", "threads": .int(options.threads),
                   "median": .double(best), "reps": .int(options.reps)])
}

/// Calls an OpenBLAS `char *f(void)` informational function by name, if the library has it.
func openBLASString(_ symbol: String) -> String? {
    // RTLD_DEFAULT: search the libraries already loaded (OpenBLAS is linked into this executable).
    guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, symbol) else { return nil }
    typealias Getter = @convention(c) () -> UnsafePointer<CChar>?
    let getter = unsafeBitCast(address, to: Getter.self)
    guard let text = getter() else { return nil }
    return String(cString: text).trimmingCharacters()
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\n" { scalars = scalars.dropLast() }
        while let first = scalars.first, first == " " { scalars = scalars.dropFirst() }
        return String(scalars)
    }
}

/// A tiny deterministic generator for the benchmark's input data.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A float in [0, 1).
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

// MARK: - Dispatch

let arguments = Array(CommandLine.arguments.dropFirst())
guard let subcommand = arguments.first else {
    printError(usage)
    exit(2)
}
let subcommandArguments = Array(arguments.dropFirst())

switch subcommand {
case "sgemm":
    runSGEMMBenchmark(arguments: subcommandArguments)

// ---------------------------------------------------------------------------------------------
// DeepConvNet (Glimpse): written by the lead in DeepConvNetBenchmark.swift, same target.
// Receives the words after "deepconvnet": --threads N --reps R --warmup W (BenchOptions parses
// them). Expected to print, via reportResult(impl: "glimpse", ...), the metrics
// "train_step_ms" and "infer_images_per_s" for that thread count.
// ---------------------------------------------------------------------------------------------
case "deepconvnet":
    runDeepConvNetBenchmark(arguments: subcommandArguments)

case "squeezenet":
    runSqueezeNetBenchmark(arguments: subcommandArguments)

case "fast-rcnn":
    runFastRCNNBenchmark(arguments: subcommandArguments)

case "mtcnn":
    runMTCNNBenchmark(arguments: subcommandArguments)

case "fcn":
    runFCNBenchmark(arguments: subcommandArguments)

case "lstm-step":
    runLSTMStepBenchmark(arguments: subcommandArguments)

case "nic":
    runNICBenchmark(arguments: subcommandArguments)

case "-h", "--help", "help":
    print(usage)
default:
    printError("glimpse-bench: unknown subcommand '\(subcommand)'\n" + usage)
    exit(2)
}
