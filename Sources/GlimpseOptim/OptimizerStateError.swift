// OptimizerStateError: why a checkpoint's optimizer state could not be loaded.

/// A problem with optimizer state read from a checkpoint; every case names the offending key.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// The key is not of the form this optimizer writes (another optimizer's state, or an unknown slot).
    case unexpectedKey(key: String, expected: String)
    /// A companion entry is absent (`adam.v.fc.weight` without `adam.m.fc.weight`).
    case missing(key: String)
    /// The entry's shape differs from its companion's or its parameter's.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// A step counter that is not one whole number in `0...2^24` (the range Float32 holds exactly).
    case invalidStep(key: String, found: [Float])
    /// The entry belongs to a parameter the model does not have.
    case unknownParameter(key: String, parameter: String)

    /// A one-line explanation with the key and a hint.
    public var description: String {
        switch self {
        case let .unexpectedKey(key, expected):
            return "optimizer state: '\(key)' is not a key this optimizer writes (expected \(expected)); "
                + "was the checkpoint made with another optimizer?"
        case let .missing(key):
            return "optimizer state: '\(key)' is missing; the checkpoint holds only part of this parameter's state"
        case let .shapeMismatch(key, expected, found):
            return "optimizer state: '\(key)' has shape \(found) but \(expected) was expected; "
                + "was the checkpoint made for another model?"
        case let .invalidStep(key, found):
            return "optimizer state: '\(key)' must hold one whole step count in 0...16777216, found \(found.prefix(4))"
        case let .unknownParameter(key, parameter):
            return "optimizer state: '\(key)' is for parameter '\(parameter)', which the model does not have"
        }
    }
}
