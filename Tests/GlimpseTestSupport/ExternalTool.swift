// ExternalTool: programs a few tests need from the machine (headless Chromium, python3 for
// pycocotools and pycocoevalcap, java for coco-caption's PTB tokenizer), and the rule for when they are missing.
//
// On a developer's machine a missing tool shows the test as skipped, never as passed. Where the
// tools must be there, the test runs anyway and fails on the missing tool: `scripts/test.sh`
// (which installs them) exports GLIMPSE_REQUIRE_TOOLS=1, and CI systems set CI.

import Foundation

/// A program that some tests run.
public enum ExternalTool: String, Sendable, CaseIterable {
    /// Debian's `chromium` (or `chromium-browser`), for rendering report.html headless.
    case chromium
    /// `python3` on the PATH, for the pycocotools checks.
    case python3
    /// `java` on the PATH, for coco-caption's PTB tokenizer (the jar ships with pycocoevalcap).
    case java
    /// Open MPI's `mpirun` on the PATH (Debian's openmpi-bin), for the data-parallel tests.
    case mpirun

    /// Whether a missing tool fails the tests that need it instead of skipping them: true when
    /// GLIMPSE_REQUIRE_TOOLS is set to anything but "" or "0", or CI is set.
    public static var required: Bool {
        let environment = ProcessInfo.processInfo.environment
        if let value = environment["GLIMPSE_REQUIRE_TOOLS"], !value.isEmpty, value != "0" { return true }
        return environment["CI"].map { !$0.isEmpty } ?? false
    }

    /// The tool's path, or nil when it is not installed.
    public var path: String? {
        switch self {
        case .chromium:
            return ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        case .python3, .java, .mpirun:
            let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            return folders.map { "\($0)/\(rawValue)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
    }

    /// Whether a test that needs the tool runs: when it is installed, or when tools are
    /// `required` (the test then fails on the missing tool). Use in `.enabled(if:)`.
    public var testsRun: Bool { path != nil || Self.required }

    /// Why a test needing the tool was skipped, for `.enabled(if:_:)` (as `Comment(rawValue:)`).
    public var skipReason: String {
        "\(rawValue) is not installed (scripts/test.sh installs it; GLIMPSE_REQUIRE_TOOLS=1 or CI makes this a failure)"
    }

    /// The tool's path; throws naming the tool when it is missing (reached only when tools are
    /// `required`, as the test is skipped otherwise).
    public func require() throws -> String {
        guard let path else { throw ExternalToolMissing(tool: self) }
        return path
    }
}

/// A tool a test needs is not installed although tools are required.
public struct ExternalToolMissing: Error, CustomStringConvertible {
    /// The missing tool.
    public var tool: ExternalTool
    /// "chromium is required (GLIMPSE_REQUIRE_TOOLS or CI is set) but not installed".
    public var description: String { "\(tool.rawValue) is required (GLIMPSE_REQUIRE_TOOLS or CI is set) but not installed" }
}
