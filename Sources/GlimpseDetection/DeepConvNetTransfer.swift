// DeepConvNetTransfer: starting a detector's network from DeepConvNet weights by parameter
// name, shared by Fast R-CNN's and R-CNN's networks: a gray conv1 `[O, 1, kH, kW]` is inflated
// to colour (DeepConvNet.colorFirstLayer), fc1 is taken only when its width matches (a wider
// fc1 starts fresh), and any other tensor of another shape is an error naming the file.

import GlimpseModels
import GlimpseNN
import GlimpseTensor

/// Loading DeepConvNet weights into a detector network.
enum DeepConvNetTransfer {
    /// Copies every parameter of `network` that `tensors` holds under the same name, except
    /// those `skipping` names; returns the names loaded. Throws `PretrainedMismatch` naming
    /// `source` for a tensor of another shape (fc1's excepted).
    static func load<Network: Layer>(_ tensors: [String: Tensor], into network: inout Network, source: String,
                                     skipping: (String) -> Bool = { _ in false }) throws -> [String] {
        var loaded = [String]()
        var failure: (any Error)?
        let own = network.parameters
        network.updateParameters { name, value in
            guard failure == nil, !skipping(name), var pretrained = tensors[name] else { return }
            if name == "conv1.weight" && pretrained.rank == 4 && pretrained.shape[1] == 1 && value.shape[1] == 3 {
                pretrained = DeepConvNet.colorFirstLayer(fromGray: pretrained)
            }
            guard pretrained.shape == own[name]!.shape else {
                if name.hasPrefix("fc1.") { return }  // a wider fc1 starts fresh
                failure = PretrainedMismatch(file: source, name: name, expected: value.shape, found: pretrained.shape)
                return
            }
            value = pretrained
            loaded.append(name)
        }
        if let failure { throw failure }
        return loaded
    }
}

/// A pretrained tensor of the wrong shape for the network being initialised from it.
public struct PretrainedMismatch: Error, CustomStringConvertible {
    /// The weights file.
    public var file: String
    /// The parameter.
    public var name: String
    /// The network's shape.
    public var expected: [Int]
    /// The file's shape.
    public var found: [Int]
    /// "FILE: NAME is [..], the network needs [..]".
    public var description: String { "\(file): \(name) is \(found), the detector's network needs \(expected)" }
}
