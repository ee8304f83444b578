// PLACEHOLDER — the lead replaces this file with the Glimpse DeepConvNet measurement.
//
// Contract (see main.swift and Report.swift):
//   `glimpse-bench deepconvnet --threads N --reps R --warmup W` calls
//   runDeepConvNetBenchmark(arguments: ["--threads", "N", "--reps", "R", "--warmup", "W"]),
//   which should print, with reportResult(impl: "glimpse", metric:, threads:, median:, reps:),
//     "train_step_ms"       median milliseconds of one training step at batch 100
//                           (forward, softmax cross-entropy, backward, Adam lr 0.001);
//     "infer_images_per_s"  100 / median seconds of one inference forward at batch 100.
//   Benchmarks/run.sh shows "n/a" for whatever this prints no line for, or if it exits non-zero.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stand-in until the real benchmark lands: says so and exits 1 (run.sh then shows "n/a").
func runDeepConvNetBenchmark(arguments: [String]) {
    _ = BenchOptions(arguments)
    fail("deepconvnet: not implemented yet (Benchmarks/glimpse-bench/DeepConvNetBenchmark.swift is a placeholder)")
}
