// StageRegistry: conformance names -> constructors, per stage kind. Adding a conformance is
// one `Conformance` entry in `StageRegistry.standard` (or one `register` call in a test).

import GlimpseProposals
import GlimpseStages

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
    /// Builds the stage; throws `StageError` (or another error naming the file) when the
    /// parameters cannot be used (bad weights, unknown layer, ...).
    public var make: @Sendable (StageParameters) throws -> StageInstance

    /// Creates a registry entry.
    public init(kind: StageKind, name: String, summary: String, parameters: [ParameterSpec] = [],
                make: @escaping @Sendable (StageParameters) throws -> StageInstance) {
        (self.kind, self.name, self.summary, self.parameters, self.make) = (kind, name, summary, parameters, make)
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

    /// The conformances that ship with Glimpse. A new conformance is one entry here.
    public static let standard: StageRegistry = {
        var registry = StageRegistry()
        for conformance in [
            ImageFileDecoder.registryEntry,
            SpecAugmenter.registryEntry,
            CNNFeatureExtractor.registryEntry,
            SqueezeNetClassifier.registryEntry,
            SelectiveSearch.registryEntry,
        ] {
            registry.register(conformance)
        }
        return registry
    }()
}
