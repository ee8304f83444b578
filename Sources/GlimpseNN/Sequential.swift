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
        guard let last = layers.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("Sequential: no layer named \(name) in \(layers.map(\.name))")
        }
        return layers[...last].reduce(input) { x, child in child.layer(x) }
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

    /// Visits every child's parameters as `child.name`.
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        for child in layers {
            child.layer.visitParameters { body(child.name + "." + $0, $1) }
        }
    }

    /// Visits every child's parameters mutably.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        for index in layers.indices {
            let name = layers[index].name
            layers[index].layer.updateParameters { body(name + "." + $0, &$1) }
        }
    }

    /// Visits every child's buffers as `child.name`.
    public func visitBuffers(_ body: (String, Tensor) -> Void) {
        for child in layers {
            child.layer.visitBuffers { body(child.name + "." + $0, $1) }
        }
    }

    /// Visits every child's buffers mutably.
    public mutating func updateBuffers(_ body: (String, inout Tensor) -> Void) {
        for index in layers.indices {
            let name = layers[index].name
            layers[index].layer.updateBuffers { body(name + "." + $0, &$1) }
        }
    }

    /// Visits every child's batch norms mutably as `child.name` (+ `.path` inside the child).
    public mutating func updateBatchNorms(_ body: (String, inout BatchNorm) -> Void) {
        for index in layers.indices {
            let name = layers[index].name
            layers[index].layer.updateBatchNorms { body($0.isEmpty ? name : name + "." + $0, &$1) }
        }
    }
}
