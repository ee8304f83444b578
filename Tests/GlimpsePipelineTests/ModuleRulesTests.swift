// The import rule of docs/architecture.md, checked on the sources: each module imports only the
// Glimpse modules of the layers below it. The runner in particular imports no model code, so a
// new model module never touches it.

import Foundation
import Testing

@Suite("Module rules")
struct ModuleRulesTests {
    /// Each module and the Glimpse modules it may import (docs/architecture.md's table).
    static let allowed: [String: Set<String>] = [
        "GlimpseTensor": [],
        "GlimpseFiles": [],
        "GlimpseDistributed": [],
        "GlimpseSerialization": ["GlimpseTensor", "GlimpseFiles"],
        "GlimpseImaging": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization"],
        "GlimpseNN": ["GlimpseTensor"],
        "GlimpseOptim": ["GlimpseTensor", "GlimpseNN"],
        "GlimpseModels": ["GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN"],
        "GlimpseDatasets": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging"],
        "GlimpseEvaluation": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseDatasets"],
        "GlimpseTraining": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                            "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseDistributed"],
        "GlimpseStages": ["GlimpseTensor", "GlimpseImaging"],
        "GlimpseProposals": ["GlimpseTensor", "GlimpseImaging", "GlimpseStages"],
        "GlimpseClassification": ["GlimpseTensor", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseModels",
                                  "GlimpseStages"],
        "GlimpsePipeline": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseStages"],
        "GlimpseDetection": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                             "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages"],
        "GlimpseSegmentation": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                                "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages",
                                "GlimpseDetection"],
        "GlimpseCaptioning": ["GlimpseTensor", "GlimpseFiles", "GlimpseSerialization", "GlimpseImaging", "GlimpseNN", "GlimpseOptim",
                              "GlimpseModels", "GlimpseDatasets", "GlimpseEvaluation", "GlimpseTraining", "GlimpseStages",
                              "GlimpseDetection"],
        "GlimpseRegistry": ["GlimpseStages", "GlimpsePipeline", "GlimpseClassification", "GlimpseProposals", "GlimpseDetection",
                            "GlimpseSegmentation", "GlimpseCaptioning"],
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized

    @Test func everyModuleImportsOnlyTheLayersBelowIt() throws {
        let manager = FileManager.default
        let modules = try manager.contentsOfDirectory(atPath: Self.sources.path).filter { $0.hasPrefix("Glimpse") }.sorted()
        #expect(Set(modules) == Set(Self.allowed.keys), "a module without a rule (or a rule without a module)")
        var violations = [String]()
        for module in modules {
            let folder = Self.sources.appendingPathComponent(module)
            guard let files = manager.enumerator(atPath: folder.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import Glimpse") {
                    let imported = String(line.dropFirst("import ".count))
                    if !(Self.allowed[module]?.contains(imported) ?? false) {
                        violations.append("\(module)/\(file): \(line)")
                    }
                }
            }
        }
        #expect(violations.isEmpty, "imports against docs/architecture.md:\n\(violations.joined(separator: "\n"))")
    }
}
