// StageParameters: the typed parameters of one stage as read from a pipeline file, and the
// declaration of which parameters a conformance takes.

/// The type a conformance expects for a parameter.
public enum ParameterType: String, Sendable, Equatable {
    /// A whole number.
    case int
    /// A number (a whole number is accepted too).
    case float
    /// `true` or `false`.
    case bool
    /// Any text.
    case string
    /// A file that must exist (resolved against the project's bundled files).
    case file
}

/// One parameter a conformance accepts.
public struct ParameterSpec: Sendable, Equatable {
    /// The key in the pipeline file.
    public var name: String
    /// Its type.
    public var type: ParameterType
    /// Whether the pipeline file must give it.
    public var required: Bool
    /// What it means (listed in error messages and docs).
    public var help: String
    /// The value used when the pipeline file does not give one (a `file` default is checked
    /// for existence like a given path).
    public var defaultValue: ParameterValue?

    /// Creates a parameter declaration.
    public init(_ name: String, _ type: ParameterType, required: Bool = false, default defaultValue: ParameterValue? = nil,
                help: String) {
        (self.name, self.type, self.required, self.help, self.defaultValue) = (name, type, required, help, defaultValue)
    }
}

/// A parameter's value after validation.
public enum ParameterValue: Sendable, Equatable {
    /// A whole number.
    case int(Int)
    /// A number.
    case float(Double)
    /// A flag.
    case bool(Bool)
    /// Text, or a file path already resolved to an existing file.
    case string(String)
}

/// The validated parameters handed to a conformance's constructor. Types were checked against
/// the conformance's `ParameterSpec`s before construction, so the accessors only pick defaults.
public struct StageParameters: Sendable, Equatable {
    /// The pipeline file the parameters came from (for error messages).
    public var file: String
    /// The values by key.
    public var values: [String: ParameterValue]

    /// Creates parameters.
    public init(file: String, values: [String: ParameterValue] = [:]) {
        (self.file, self.values) = (file, values)
    }

    /// The whole number at `key`, or `fallback`.
    public func int(_ key: String, default fallback: Int) -> Int {
        if case .int(let v)? = values[key] { return v }
        return fallback
    }

    /// The number at `key`, or `fallback`.
    public func float(_ key: String, default fallback: Double) -> Double {
        switch values[key] {
        case .float(let v)?: return v
        case .int(let v)?: return Double(v)
        default: return fallback
        }
    }

    /// The flag at `key`, or `fallback`.
    public func bool(_ key: String, default fallback: Bool) -> Bool {
        if case .bool(let v)? = values[key] { return v }
        return fallback
    }

    /// The text (or resolved file path) at `key`, or `fallback`.
    public func string(_ key: String, default fallback: String) -> String {
        if case .string(let v)? = values[key] { return v }
        return fallback
    }

    /// The text at `key` when given.
    public func string(_ key: String) -> String? {
        if case .string(let v)? = values[key] { return v }
        return nil
    }
}
