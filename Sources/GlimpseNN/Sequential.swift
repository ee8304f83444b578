// Sequential: named layers applied in order; the names become parameter paths.

import GlimpseTensor

/// Layers applied one after another; child `conv1`'s `weight` is named `conv1.weight`.
public struct Sequential: Layer {
    /// The children, in order, with their names.
    public var layers: [(name: String, layer: any Layer)]

    /// Creates the container; names must be unique and contain no dots.
    public init(_ layers: [(String, any Layer)]) {
        let names = layers.map(\.0)
        precondition(Set(names).count == names.count, "Sequential: duplicate layer names in \(names)")
        precondition(names.allSatisfy { !$0.isEmpty && !$0.contains(".") }, "Sequential: names must be non-empty without dots")
        self.layers = layers.map { (name: $0.0, layer: $0.1) }
    }

    /// The child named `name`.
    public subscript(name: String) -> (any Layer)? {
        layers.first { $0.name == name }?.layer
    }

    /// Inference through every child.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, child in child.layer(x) }
    }

    /// Inference up to and including the child named `name` (its activations, for feature
    /// extraction); `name` must be one of the children.
    public func callAsFunction(_ input: Tensor, through name: String) -> Tensor {
        self(input, outputs: [name])[name]!
    }

    /// Inference up to the deepest of the children named in `names` (each must be one of the
    /// children), returning each named child's output by name: several layers' activations in one
    /// pass (FCN's skips from pool3 and pool4, or a backbone feeding several heads). Children below
    /// the deepest named one do not run; no names, nothing runs.
    public func callAsFunction(_ input: Tensor, outputs names: [String]) -> [String: Tensor] {
        var wanted = [Int: String]()
        for name in names {
            guard let index = layers.firstIndex(where: { $0.name == name }) else {
                preconditionFailure("Sequential: no layer named \(name) in \(layers.map(\.name))")
            }
            wanted[index] = name
        }
        guard let deepest = wanted.keys.max() else { return [:] }
        var outputs = [String: Tensor]()
        var x = input
        for index in 0...deepest {
            x = layers[index].layer(x)
            if let name = wanted[index] { outputs[name] = x }
        }
        return outputs
    }

    /// Inference that rounds every child's output to Float16 and back: what storing activations
    /// in half precision costs (compute stays Float32).
    public func callAsFunction(_ input: Tensor, halfPrecisionActivations: Bool) -> Tensor {
        guard halfPrecisionActivations else { return self(input) }
        return layers.reduce(input.roundedToHalf()) { x, child in child.layer(x).roundedToHalf() }
    }

    /// Training forward through every child; the pullback runs the children's pullbacks in reverse,
    /// each in its own gradient scope.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        var pullbacks = [(String, Pullback)]()
        pullbacks.reserveCapacity(layers.count)
        var x = input
        for index in layers.indices {
            let (y, pullback) = layers[index].layer.forward(x, context: &context)
            pullbacks.append((layers[index].name, pullback))
            x = y
        }
        // The names of each child's parameters, to tell which children are entirely frozen.
        let parameterNames = layers.map { child -> [String] in
            var names = [String]()
            child.layer.visitParameters { name, _ in names.append(child.name + "." + name) }
            return names
        }
        let inputShape = input.shape
        return (x, { dy, gradients in
            let outerNeedsInput = gradients.needsInputGradient
            defer { gradients.needsInputGradient = outerNeedsInput }
            let trainable = parameterNames.map { names in names.contains { gradients.wants($0) } }
            var g = dy
            for index in pullbacks.indices.reversed() {
                // Child `index`'s input gradient matters only to a trainable layer below it, or to our caller.
                let needsInput = outerNeedsInput || trainable[..<index].contains(true)
                if !needsInput && !trainable[index] {
                    // This child and everything below it are frozen, and nobody uses the result.
                    return Tensor(zeros: inputShape)
                }
                gradients.needsInputGradient = needsInput
                let (name, pullback) = pullbacks[index]
                g = gradients.scoped(name) { pullback(g, &$0) }
            }
            return g
        })
    }

    /// Visits the children in order.
    public func visitChildren(_ body: (String, any Layer) -> Void) {
        for child in layers { body(child.name, child.layer) }
    }

    /// Visits the children mutably, in order.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        for index in layers.indices { body(layers[index].name, &layers[index].layer) }
    }
}
