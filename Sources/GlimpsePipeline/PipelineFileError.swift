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
    /// The problems, in file order.
    public var problems: [PipelineProblem]

    /// Creates the error.
    public init(file: String, problems: [PipelineProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem: "FILE:LINE: KEY: MESSAGE".
    public var description: String {
        problems.map { "\(file):\($0.line): \($0.key): \($0.message)" }.joined(separator: "\n")
    }
}
