// StageError: a pipeline stage that cannot be set up as asked, with the file and the reason.

/// A stage's configuration that cannot be used (unknown layer, missing metadata, ...).
public struct StageError: Error, CustomStringConvertible, Equatable {
    /// The file the stage was configured from (weights, pipeline file).
    public var file: String
    /// What is wrong.
    public var problem: String

    /// Creates the error.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// "FILE: PROBLEM".
    public var description: String { "\(file): \(problem)" }
}
