// StageRegistry: conformance names -> constructors, per stage kind. The registry of shipped
// conformances, `StageRegistry.standard`, is assembled in GlimpseRegistry, outside the runner:
// a new model module adds its entries there (a test adds its own with `register`).

/// How to build one conformance from a pipeline file's parameters.
public struct Conformance: Sendable {
    /// The stage slot it fills.
    public var kind: StageKind
    /// The name a pipeline file gives after `use:`.
    public var name: String
    /// What it does, in a few words.
    public var summary: String
    /// The parameters it accepts; any other key is an error.
    public var parameters: [ParameterSpec]
    /// Builds the stage from its parameters and the stages built before it; throws `StageError`
    /// (or another error naming the file) when the parameters cannot be used (bad weights,
    /// unknown layer, a head trained on another backbone than the pipeline's, ...).
    public var make: @Sendable (StageParameters, StageContext) throws -> StageInstance

    /// Creates a registry entry for a stage that does not look at the other stages.
    public init(kind: StageKind, name: String, summary: String, parameters: [ParameterSpec] = [],
                make: @escaping @Sendable (StageParameters) throws -> StageInstance) {
        self.init(kind: kind, name: name, summary: summary, parameters: parameters, makeInContext: { parameters, _ in
            try make(parameters)
        })
    }

    /// Creates a registry entry for a stage that uses the stages built before it (a head on the
    /// pipeline's backbone).
    public init(kind: StageKind, name: String, summary: String, parameters: [ParameterSpec] = [],
                makeInContext: @escaping @Sendable (StageParameters, StageContext) throws -> StageInstance) {
        (self.kind, self.name, self.summary, self.parameters, self.make) = (kind, name, summary, parameters, makeInContext)
    }
}

/// The known conformances, by stage kind and name.
public struct StageRegistry: Sendable {
    private var entries: [StageKind: [String: Conformance]] = [:]

    /// An empty registry.
    public init() {}

    /// Adds (or replaces) a conformance.
    public mutating func register(_ conformance: Conformance) {
        entries[conformance.kind, default: [:]][conformance.name] = conformance
    }

    /// The conformance `name` for `kind`, if registered.
    public func conformance(_ kind: StageKind, named name: String) -> Conformance? {
        entries[kind]?[name]
    }

    /// The registered names for `kind`, sorted.
    public func names(for kind: StageKind) -> [String] {
        (entries[kind] ?? [:]).keys.sorted()
    }

    /// Every conformance, by kind then name.
    public var all: [Conformance] {
        StageKind.allCases.flatMap { kind in names(for: kind).map { entries[kind]![$0]! } }
    }
}
