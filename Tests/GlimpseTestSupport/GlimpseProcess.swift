// GlimpseProcess: runs the `glimpse` binary built beside the test bundle, for the end-to-end
// tests of every test target (one copy instead of one per target).

import Foundation

/// What a finished `glimpse` process left behind.
public struct GlimpseRun: Sendable {
    /// Exit status.
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String
}

/// The built `glimpse` executable.
public enum GlimpseProcess {
    /// `glimpse` beside the test bundle (or one folder up), as `swift build` places it.
    public static func executable() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundleDirectory, bundleDirectory.deletingLastPathComponent()].map { $0.appendingPathComponent("glimpse") }
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates[0].path])
        }
        return executable
    }

    /// Runs `glimpse ARGUMENTS` to completion, in `directory` when given. Both pipes are drained
    /// at once, so a command that writes a lot to one of them cannot block on a full pipe.
    public static func run(_ arguments: [String], in directory: URL? = nil) throws -> GlimpseRun {
        try run(program: try executable(), arguments, in: directory)
    }

    /// Runs any `program` with `arguments` the same way (both pipes drained at once), e.g. a
    /// reference script next to the tests.
    public static func run(program: URL, _ arguments: [String], in directory: URL? = nil) throws -> GlimpseRun {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let errorPipe = Pipe(), outputPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = outputPipe
        try process.run()
        let outputBox = DataBox()
        let reader = Thread { outputBox.data = outputPipe.fileHandleForReading.readDataToEndOfFile(); outputBox.done.signal() }
        reader.start()
        let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
        outputBox.done.wait()
        process.waitUntilExit()
        return GlimpseRun(status: process.terminationStatus, stdout: String(decoding: outputBox.data, as: UTF8.self),
                          stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// Standard output collected on a second thread.
private final class DataBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
