// Sequential+Outputs: several named layer outputs of one inference pass, so a backbone computes
// everything its stages read in a single pass.

import GlimpseNN
import GlimpseTensor

extension Sequential {
    /// Inference up to the deepest of `names`, keeping the output of each named child
    /// (`input` `[N, ...]`; each output as the child returns it). Every name must be a child.
    public func callAsFunction(_ input: Tensor, outputs names: [String]) -> [String: Tensor] {
        let wanted = Set(names)
        let indices = names.map { name -> Int in
            guard let index = layers.firstIndex(where: { $0.name == name }) else {
                preconditionFailure("Sequential: no layer named \(name) in \(layers.map(\.name))")
            }
            return index
        }
        guard let last = indices.max() else { return [:] }
        var result = [String: Tensor]()
        var x = input
        for child in layers[...last] {
            x = child.layer(x)
            if wanted.contains(child.name) { result[child.name] = x }
        }
        return result
    }
}
