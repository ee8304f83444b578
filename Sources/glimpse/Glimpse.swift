// glimpse: the command-line entry point. Each subcommand lives in its own file.

import ArgumentParser
import Foundation
import GlimpseDistributed
import GlimpseTraining

/// The `glimpse` command.
@main
struct Glimpse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glimpse",
        abstract: "A deep-learning vision pipeline: training, evaluation and inference on the CPU.",
        version: "0.1.0",
        subcommands: [RunCommand.self, TrainCommand.self, FinetuneCommand.self, EvalCommand.self, ClassifyCommand.self,
                      WeightsCommand.self, ImageCommand.self, AugmentCommand.self, DatasetsCommand.self, ProposeCommand.self,
                      CaptionCommand.self])

    /// Parses and runs like ArgumentParser's default `main`, except that a usage error exits
    /// with status 2 (not 64), so every command reads 0 ok, 1 failed inputs, 2 usage, and that
    /// every message on standard error goes through `printError`: ArgumentParser's own messages
    /// quote the arguments, which may hold terminal escape sequences (issue 19).
    ///
    /// Under `mpirun` (docs/distributed.md) MPI starts before anything else and ends after the
    /// command; a rank that fails prints its error prefixed with its rank and aborts the whole job
    /// (MPI_Abort), so the other ranks stop at once instead of waiting for it forever. A rank that
    /// is alive but stuck is caught by the deadline of the others' next collective
    /// (GLIMPSE_MPI_TIMEOUT). MPI failing to start is an error with its cause and exit status 1.
    static func main() {
        let world: Communicator?
        do {
            world = try Communicator.start()
        } catch {
            // MPI did not start (or a GLIMPSE_MPI_ variable is malformed): nothing to abort yet
            printError("error: \(error)")
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if let world, world.size > 1, !code.isSuccess, !CollectiveExit.reached {
                let message = fullMessage(for: error)
                world.abort(message: message.isEmpty ? "failed with exit status \(code.rawValue)" : message,
                            code: code == .validationFailure ? 2 : code.rawValue)
            }
            world?.finalize()
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            // --help and --version (status 0) print our own text on standard output
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            Foundation.exit(code.rawValue)
        }
        world?.finalize()
    }
}

/// Set by a command once every rank has finished its part together (a sharded run after rank 0's
/// merge): a failure status is then the job's ordinary exit status, not a reason to abort the others.
enum CollectiveExit {
    /// Whether the ranks have finished together.
    nonisolated(unsafe) static var reached = false
}

/// Options every compute-heavy command shares.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Applies the thread count and allocator tuning; returns the thread count used. Under
    /// `mpirun` the default is the cores divided among this machine's ranks.
    @discardableResult
    func apply() -> Int {
        Compute.configureAllocator()
        let ranksHere = Communicator.world?.localSize ?? 1
        let count = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / ranksHere)
        Compute.setThreads(count)
        return count
    }
}

/// Finds the project's bundled files (`datasets/...`) whether glimpse runs from the project
/// folder or from anywhere else through the binary in `.build/<configuration>/`.
enum ProjectPaths {
    /// `path` itself if it exists or is absolute; otherwise the same path under the project root
    /// found from the executable's location, if it exists there.
    static func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return path
    }
}

/// Prints `message` to standard error, control characters escaped (`TerminalText`): messages
/// carry file names and pipeline-file keys, which may hold terminal escape sequences.
/// Under `mpirun` with two or more ranks the message starts with `rank R of N: `.
func printError(_ message: String) {
    let rank = Communicator.world.flatMap { $0.size > 1 ? "rank \($0.rank) of \($0.size): " : nil } ?? ""
    FileHandle.standardError.write(Data((rank + TerminalText.escaped(message) + "\n").utf8))
}

import GlimpseTensor
