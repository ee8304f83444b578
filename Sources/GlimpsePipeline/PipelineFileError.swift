// PipelineFileError: every problem found in a pipeline file, each with its line and key, so
// one run of validation tells the user everything to fix.

/// One problem in a pipeline file.
public struct PipelineProblem: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of the offending key or value (0 when the file as a whole is at fault).
    public var line: Int
    /// The dotted key path, e.g. `stages.classifier.weights`.
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates a problem.
    public init(line: Int, key: String, message: String) {
        (self.line, self.key, self.message) = (line, key, message)
    }

    /// "line L: KEY: MESSAGE".
    public var description: String { "line \(line): \(key): \(message)" }
}

/// A pipeline file that cannot be used, with all its problems.
public struct PipelineFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline file.
    public var file: String
    /// The problems, in file order, at most `maximumListed`.
    public var problems: [PipelineProblem]
    /// How many more problems were found but not listed.
    public var omitted: Int

    /// The most problems listed; the rest are counted (a 50 MB file of unknown keys printed
    /// 4.46 million lines, issue 19).
    public static let maximumListed = 100

    /// Creates the error.
    public init(file: String, problems: [PipelineProblem], omitted: Int = 0) {
        self.file = file
        self.problems = problems
        self.omitted = omitted
    }

    /// One line per problem: "FILE:LINE: KEY: MESSAGE", then "FILE: N more problems not listed".
    public var description: String {
        let lines = problems.map { "\(file):\($0.line): \($0.key): \($0.message)" }
        return (lines + (omitted > 0 ? ["\(file): \(omitted) more problem\(omitted == 1 ? "" : "s") not listed"] : []))
            .joined(separator: "\n")
    }
}
