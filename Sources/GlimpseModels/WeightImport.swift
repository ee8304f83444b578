// WeightImport: bringing weights from other frameworks' files into Glimpse's names and layouts.
//
// Each source is a mapping table, not code per model: how a source name's leading path and
// components map to Glimpse's (`fire2/squeeze1x1/kernel` -> `fire2.squeeze.weight`,
// `features.3.squeeze.weight` -> `fire2.squeeze.weight`) and which layout change each kind of
// tensor needs (Keras stores convolutions HWIO and dense layers [in, out];
// Glimpse, like PyTorch, OIHW and [out, in]).

import Foundation
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

/// How to map one framework's weight names and layouts onto Glimpse's.
public struct WeightImportTable: Sendable {
    /// A layout change applied to a tensor on import.
    public enum Layout: Sendable {
        /// Unchanged.
        case same
        /// Keras kernels: convolutions `[kH, kW, I, O]` -> `[O, I, kH, kW]`, dense `[I, O]` -> `[O, I]`.
        case kerasKernel
    }

    /// The separator between path components in source names (`/` for Keras).
    public var separator: String
    /// Renames of leading paths, applied first (`features.3` -> `fire2` for torchvision's SqueezeNet).
    public var prefixRenames: [String: String] = [:]
    /// Renames of whole path components (`squeeze1x1` -> `squeeze`).
    public var componentRenames: [String: String]
    /// The last component's new name and layout (`kernel` -> `weight`, Keras kernel layout).
    public var leafRules: [String: (name: String, layout: Layout)]

    /// Keras (HWIO) weights, as in `squeezenet1_1_imagenet_hwio.safetensors`.
    public static let kerasHWIO = WeightImportTable(
        separator: "/",
        componentRenames: ["squeeze1x1": "squeeze"],
        leafRules: ["kernel": ("weight", .kerasKernel), "bias": ("bias", .same),
                    "gamma": ("weight", .same), "beta": ("bias", .same),
                    "moving_mean": ("running_mean", .same), "moving_variance": ("running_var", .same)])

    /// PyTorch state dicts whose names already are Glimpse's (`conv1.weight`, OIHW).
    public static let pytorch = WeightImportTable(separator: ".", componentRenames: [:], leafRules: [:])

    /// torchvision's `squeezenet1_1` state dict: `features.0` is conv1, `features.3` ... `features.12`
    /// the fire modules, `classifier.1` conv10; layouts are already OIHW.
    public static let torchvisionSqueezeNet11 = WeightImportTable(
        separator: ".",
        prefixRenames: ["features.0": "conv1", "features.3": "fire2", "features.4": "fire3", "features.6": "fire4",
                        "features.7": "fire5", "features.9": "fire6", "features.10": "fire7", "features.11": "fire8",
                        "features.12": "fire9", "classifier.1": "conv10"],
        componentRenames: [:], leafRules: [:])

    /// The tables by the name the command line uses.
    public static let byName: [String: WeightImportTable] = [
        "keras-hwio": .kerasHWIO, "pytorch": .pytorch, "torchvision-squeezenet1.1": .torchvisionSqueezeNet11,
    ]

    /// Creates a table.
    public init(separator: String, prefixRenames: [String: String] = [:], componentRenames: [String: String],
                leafRules: [String: (name: String, layout: Layout)]) {
        self.separator = separator
        self.prefixRenames = prefixRenames
        self.componentRenames = componentRenames
        self.leafRules = leafRules
    }

    /// Glimpse's name for a source name, and the layout change.
    public func target(for source: String) -> (name: String, layout: Layout) {
        var renamed = source
        // the longest matching prefix that ends at a component boundary
        for prefix in prefixRenames.keys.sorted(by: { $0.count > $1.count })
        where renamed == prefix || renamed.hasPrefix(prefix + separator) {
            renamed = prefixRenames[prefix]! + renamed.dropFirst(prefix.count)
            break
        }
        var components = renamed.components(separatedBy: separator)
        var layout = Layout.same
        if let leaf = components.last, let rule = leafRules[leaf] {
            components[components.count - 1] = rule.name
            layout = rule.layout
        }
        components = components.enumerated().map { index, component in
            index == components.count - 1 ? component : componentRenames[component] ?? component
        }
        return (components.joined(separator: "."), layout)
    }

    /// Applies a layout change to `tensor`.
    public static func apply(_ layout: Layout, to tensor: Tensor) -> Tensor {
        switch layout {
        case .same:
            return tensor
        case .kerasKernel where tensor.rank == 4:
            let (kh, kw, i, o) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
            return Tensor(uninitializedShape: [o, i, kh, kw]) { out in
                tensor.withUnsafeBufferPointer { src in
                    for y in 0..<kh { for x in 0..<kw { for c in 0..<i { for f in 0..<o {
                        out[((f * i + c) * kh + y) * kw + x] = src[((y * kw + x) * i + c) * o + f]
                    } } } }
                }
            }
        case .kerasKernel where tensor.rank == 2:
            let (i, o) = (tensor.shape[0], tensor.shape[1])
            return Tensor(uninitializedShape: [o, i]) { out in
                tensor.withUnsafeBufferPointer { src in
                    for c in 0..<i { for f in 0..<o { out[f * i + c] = src[c * o + f] } }
                }
            }
        case .kerasKernel:
            return tensor
        }
    }

    /// Every tensor of `file` under Glimpse's name and layout; throws if two source names map to one.
    public func convert(_ file: SafetensorsFile) throws -> [String: Tensor] {
        var result = [String: Tensor]()
        var sources = [String: String]()
        for name in file.names {
            let (target, layout) = self.target(for: name)
            if let previous = sources[target] {
                throw WeightImportError(file: file.source, problem: "\(previous) and \(name) both map to \(target)")
            }
            sources[target] = name
            result[target] = WeightImportTable.apply(layout, to: try file.tensor(named: name))
        }
        return result
    }
}

/// A weights file that cannot be imported, with the file and the reason.
public struct WeightImportError: Error, CustomStringConvertible, Equatable {
    /// The source file.
    public var file: String
    /// What is wrong.
    public var problem: String

    /// Creates the error.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// "import FILE: PROBLEM".
    public var description: String { "import \(file): \(problem)" }
}
