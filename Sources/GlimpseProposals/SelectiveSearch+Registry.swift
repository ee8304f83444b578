// SelectiveSearch+Registry: the `selective-search` region proposer (GlimpseProposals) as a
// registry entry; its parameters are checked for type here and for range by
// SelectiveSearchParameters(options:file:).

import GlimpseStages

extension SelectiveSearch {
    /// The registry entry: `mode`, `max`, `seed`, `color_spaces`, `ks`, `similarities`, `sigma`, `min_size`, `memory_mb`.
    public static let registryEntry = Conformance(
        kind: .proposer, name: conformanceName, summary: "selective search (Uijlings et al. 2013)",
        parameters: [
            ParameterSpec("mode", .string, help: "single, fast (default) or quality"),
            ParameterSpec("max", .int, help: "most proposals (default 2000)"),
            ParameterSpec("seed", .int, help: "seed of the ranking's randomness (default 0)"),
            ParameterSpec("color_spaces", .string, help: "comma list of rgb, hsv, lab, rgi, i, h (overrides mode)"),
            ParameterSpec("ks", .string, help: "comma list of segmentation thresholds (overrides mode)"),
            ParameterSpec("similarities", .string, help: "comma list of C/T/S/F combinations such as CTSF (overrides mode)"),
            ParameterSpec("sigma", .float, help: "Gaussian smoothing before segmentation"),
            ParameterSpec("min_size", .int, help: "smallest segment in pixels (default k)"),
            ParameterSpec("memory_mb", .int, help: "most working memory per image in MiB, larger images refused (default 2048)"),
        ]
    ) { parameters in
        var options = [String: String]()
        for (key, value) in parameters.values {
            switch value {
            case .int(let v): options[key] = String(v)
            case .float(let v): options[key] = String(v)
            case .bool(let v): options[key] = String(v)
            case .string(let v): options[key] = v
            }
        }
        return .proposer(SelectiveSearch(parameters: try SelectiveSearchParameters(options: options, file: parameters.file)))
    }
}
