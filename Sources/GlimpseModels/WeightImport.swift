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
        /// A Keras dense kernel `[I, O]` whose input is a `[H, W, C]` map permuted to `[W, H, C]`
        /// and flattened (MTCNN's R-Net and O-Net, `Permute((2, 1, 3))`; facenet-pytorch's
        /// `permute(0, 3, 2, 1)`) -> `[O, I]` with inputs in Glimpse's `[C, H, W]` flatten order.
        case kerasDenseAfterTransposedFlatten(height: Int, width: Int, channels: Int)
        /// Every size-1 axis dropped (Keras's PReLU slopes `[1, 1, C]` -> `[C]`).
        case squeezed
    }

    /// The separator between path components in source names (`/` for Keras).
    public var separator: String
    /// Renames of leading paths, applied first (`features.3` -> `fire2` for torchvision's SqueezeNet).
    public var prefixRenames: [String: String] = [:]
    /// Renames of whole path components (`squeeze1x1` -> `squeeze`).
    public var componentRenames: [String: String]
    /// The last component's new name and layout (`kernel` -> `weight`, Keras kernel layout).
    public var leafRules: [String: (name: String, layout: Layout)]
    /// Layouts by Glimpse name that replace the leaf rule's (a dense layer after a permuted flatten).
    public var layoutOverrides: [String: Layout] = [:]

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

    /// MTCNN's P-, R- and O-Net as the PyPI `mtcnn` 1.0.0 package stores them (Keras layer
    /// weights by list index, `pnet/00` ... `onet/20`): each index named after its layer
    /// (`MTCNN.kerasNames`), convolutions HWIO, dense kernels `[in, out]`, PReLU slopes
    /// `[1, 1, C]`, and R-Net's and O-Net's first dense layer reading a `[W, H, C]` flatten.
    public static let kerasMTCNN = WeightImportTable(
        separator: "/",
        prefixRenames: MTCNN.kerasNames.mapValues { $0.replacingOccurrences(of: ".weight", with: "/kernel")
                                                        .replacingOccurrences(of: ".", with: "/") },
        componentRenames: [:],
        leafRules: ["kernel": ("weight", .kerasKernel), "bias": ("bias", .same), "alpha": ("weight", .squeezed)],
        layoutOverrides: [
            "rnet.dense4.weight": .kerasDenseAfterTransposedFlatten(height: 3, width: 3, channels: 64),
            "onet.dense5.weight": .kerasDenseAfterTransposedFlatten(height: 3, width: 3, channels: 128),
        ])

    /// The tables by the name the command line uses.
    public static let byName: [String: WeightImportTable] = [
        "keras-hwio": .kerasHWIO, "pytorch": .pytorch, "torchvision-squeezenet1.1": .torchvisionSqueezeNet11,
        "keras-mtcnn": .kerasMTCNN,
    ]

    /// Creates a table.
    public init(separator: String, prefixRenames: [String: String] = [:], componentRenames: [String: String],
                leafRules: [String: (name: String, layout: Layout)], layoutOverrides: [String: Layout] = [:]) {
        self.separator = separator
        self.prefixRenames = prefixRenames
        self.componentRenames = componentRenames
        self.leafRules = leafRules
        self.layoutOverrides = layoutOverrides
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
        let name = components.joined(separator: ".")
        return (name, layoutOverrides[name] ?? layout)
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
        case .kerasDenseAfterTransposedFlatten(let h, let w, let c) where tensor.rank == 2 && tensor.shape[0] == h * w * c:
            let o = tensor.shape[1], i = h * w * c
            return Tensor(uninitializedShape: [o, i]) { out in
                tensor.withUnsafeBufferPointer { src in
                    for y in 0..<h { for x in 0..<w { for ch in 0..<c {
                        let from = (x * h + y) * c + ch, to = (ch * h + y) * w + x
                        for f in 0..<o { out[f * i + to] = src[from * o + f] }
                    } } }
                }
            }
        case .kerasDenseAfterTransposedFlatten:
            return tensor  // another shape: the model's shape check reports it
        case .squeezed:
            return tensor.reshaped(tensor.shape.filter { $0 != 1 }.isEmpty ? [tensor.count] : tensor.shape.filter { $0 != 1 })
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
