// Progress: a progress bar on a terminal, plain log lines otherwise.

import Foundation
import GlimpseDistributed
#if canImport(Glibc)
import Glibc
#endif

/// Reports progress of long work on standard error: a redrawn bar when standard error is a
/// terminal, otherwise a log line at most every `logInterval` seconds. Silent when `quiet`.
public final class ProgressReporter {
    /// How the reporter draws.
    public enum Style: Sendable { case bar, lines, quiet }

    /// The drawing style chosen at creation.
    public let style: Style
    private let logInterval: Double
    private var lastDraw: Double = 0
    private var lastLog: Double = 0
    private var lineLength = 0

    /// Creates a reporter; `quiet` silences it, otherwise the style follows whether stderr is a terminal.
    /// Under `mpirun` only rank 0 reports: the other ranks' reporters are quiet.
    public init(quiet: Bool = false, logInterval: Double = 15) {
        if quiet || Communicator.worldRank != 0 {
            style = .quiet
        } else {
            style = isatty(STDERR_FILENO) != 0 ? .bar : .lines
        }
        self.logInterval = logInterval
    }

    /// Seconds since an arbitrary fixed point (monotonic).
    public static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Updates the display: `done` of `total` units, `rate` units per second, and extra fields.
    public func update(label: String, done: Int, total: Int, rate: Double, fields: String) {
        let t = ProgressReporter.now()
        switch style {
        case .quiet:
            return
        case .bar:
            guard t - lastDraw >= 0.1 || done == total else { return }
            lastDraw = t
            let width = 24
            let filled = total > 0 ? min(width, width * done / total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let line = "\(label) [\(bar)] \(done)/\(total) \(fields) \(Int(rate)) img/s ETA \(ProgressReporter.clock(eta))"
            let padding = String(repeating: " ", count: max(0, lineLength - line.count))
            lineLength = line.count
            FileHandle.standardError.write(Data(("\r" + TerminalText.escaped(line) + padding).utf8))
        case .lines:
            guard t - lastLog >= logInterval else { return }
            lastLog = t
            let eta = rate > 0 ? Double(total - done) / rate : 0
            log("\(label) \(done)/\(total) \(fields) \(Int(rate)) img/s ETA \(ProgressReporter.clock(eta))")
        }
    }

    /// Prints a line that stays (ending any bar line first).
    public func log(_ message: String) {
        guard style != .quiet else { return }
        write(message)
    }

    /// Prints a failure line, even when quiet: `--quiet` silences progress, never the news
    /// that an input failed (a run could exit 1 with an empty standard error, issue 19).
    public func failure(_ message: String) {
        write(message)
    }

    private func write(_ message: String) {
        if style == .bar && lineLength > 0 {
            FileHandle.standardError.write("\n".data(using: .utf8)!)
            lineLength = 0
        }
        FileHandle.standardError.write(Data((TerminalText.escaped(message) + "\n").utf8))
    }

    /// Seconds as `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
