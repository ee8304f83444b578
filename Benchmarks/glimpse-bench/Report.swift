// Report: helpers shared by the glimpse-bench subcommands (timing, medians, options, JSON lines).
//
// Every result is one JSON object on one line of standard output, for example
//   {"impl":"glimpse","metric":"train_step_ms","threads":2,"median":41.7,"reps":30}
// written by GlimpseSerialization's JSON writer (a whole median prints without a fraction).
// Benchmarks/run.sh collects these lines and Benchmarks/table.py turns them into a table.
// Anything that is not a result (progress, warnings) goes to standard error.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GlimpseSerialization

// MARK: - Statistics and timing

/// The median of `values` (the mean of the two middle values for an even count); NaN when empty.
func median(_ values: [Double]) -> Double {
    if values.isEmpty { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// Runs `body` `warmup` times untimed, then `reps` times timed; returns each timed run's seconds.
func measureSeconds(warmup: Int, reps: Int, _ body: () -> Void) -> [Double] {
    for _ in 0..<max(0, warmup) { body() }
    let clock = ContinuousClock()
    var samples: [Double] = []
    samples.reserveCapacity(reps)
    for _ in 0..<max(1, reps) {
        let start = clock.now
        body()
        let elapsed = clock.now - start
        let (seconds, attoseconds) = elapsed.components
        samples.append(Double(seconds) + Double(attoseconds) * 1e-18)
    }
    return samples
}

// MARK: - Options

/// The options every subcommand understands: `--threads N`, `--reps N`, `--warmup N`.
///
/// Benchmarks/run.sh calls `glimpse-bench SUBCOMMAND --threads N --reps R --warmup W`.
struct BenchOptions {
    var threads: Int
    var reps: Int
    var warmup: Int

    /// Parses `arguments` (the words after the subcommand); exits with a message on anything unknown.
    init(_ arguments: [String], defaultReps: Int = 30, defaultWarmup: Int = 5) {
        threads = 1
        reps = defaultReps
        warmup = defaultWarmup
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard ["--threads", "--reps", "--warmup"].contains(name) else {
                fail("unknown option '\(name)' (expected --threads N, --reps N, --warmup N)")
            }
            guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value >= 0 else {
                fail("\(name) needs a non-negative integer")
            }
            switch name {
            case "--threads": threads = max(1, value)
            case "--reps": reps = max(1, value)
            default: warmup = value
            }
            index += 2
        }
    }
}

/// Removes `name VALUE` from `arguments` and returns VALUE (nil when `name` is absent), so a
/// subcommand can take its own options before `BenchOptions` parses the shared ones.
func takeOption(_ name: String, from arguments: inout [String]) -> String? {
    guard let at = arguments.firstIndex(of: name) else { return nil }
    guard at + 1 < arguments.count else { fail("\(name) needs a value") }
    let value = arguments[at + 1]
    arguments.removeSubrange(at...(at + 1))
    return value
}

/// Prints `message` to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    printError("glimpse-bench: error: \(message)")
    exit(1)
}

/// Prints a line to standard error (progress and diagnostics; never parsed).
func printError(_ message: String) {
    fputs(message + "\n", stderr)
}

// MARK: - JSON lines

/// A value in a JSON result line (literals allowed, so result lines read like the JSON they print).
enum ResultValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case string(String)
    case int(Int)
    case double(Double)

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(floatLiteral value: Double) { self = .double(value) }

    /// The value as JSON; a non-finite double (a failed measurement) becomes `null`.
    var json: JSONValue {
        switch self {
        case .string(let value): return .string(value)
        case .int(let value): return .integer(value)
        case .double(let value): return value.isFinite ? .number(value) : .null
        }
    }
}

/// Prints one JSON object, keys in the given order, on one line of standard output, and flushes.
func printJSONLine(_ fields: KeyValuePairs<String, ResultValue>) {
    print(JSONValue.object(fields.map { ($0.key, $0.value.json) }).serialized())
    fflush(stdout)
}

/// Prints a result line: `{"impl":…,"metric":…,"threads":…,"median":…,"reps":…}`.
///
/// Metrics table.py knows: `train_step_ms` (milliseconds per training step at batch 100) and
/// `infer_images_per_s` (batch 100 divided by the median seconds of one inference forward).
func reportResult(impl: String, metric: String, threads: Int, median value: Double, reps: Int) {
    printJSONLine(["impl": .string(impl), "metric": .string(metric), "threads": .int(threads),
                   "median": .double(value), "reps": .int(reps)])
}
