// OutputOptions: what a pipeline run writes, from the pipeline file's `outputs:` section.

import GlimpseStages

/// The outputs a run writes besides the ledger and the per-image JSON (always written).
public struct OutputOptions: Sendable, Equatable {
    /// How many classes per image the classifier reports.
    public var top = 5
    /// Whether the per-image JSON lists the region proposals.
    public var proposals = false
    /// Whether the per-image JSON holds the feature vector.
    public var features = false
    /// Annotated preview images (`NAME.preview.png`, boxes, caption and mask drawn).
    public var previews = false
    /// The `report.html` gallery.
    public var report = true
    /// How many region proposals at most go into the per-image JSON and the COCO files.
    public var maxProposals = 100

    /// The defaults.
    public init() {}

    /// The keys allowed under `outputs:` with their types, for validation and docs.
    public static let keys: [(name: String, type: ParameterType, help: String)] = [
        ("top", .int, "classes per image from the classifier (default 5)"),
        ("proposals", .bool, "list region proposals in the per-image JSON and boxes files (default false)"),
        ("max_proposals", .int, "most proposals written per image (default 100)"),
        ("features", .bool, "write the feature vector into the per-image JSON (default false)"),
        ("previews", .bool, "annotated preview PNGs beside the JSON (default false)"),
        ("report", .bool, "report.html gallery (default true)"),
    ]

    /// Sets a validated value.
    mutating func set(_ key: String, _ value: ParameterValue) {
        switch (key, value) {
        case ("top", .int(let v)): top = v
        case ("proposals", .bool(let v)): proposals = v
        case ("max_proposals", .int(let v)): maxProposals = v
        case ("features", .bool(let v)): features = v
        case ("previews", .bool(let v)): previews = v
        case ("report", .bool(let v)): report = v
        default: preconditionFailure("OutputOptions: unvalidated \(key)")
        }
    }
}
