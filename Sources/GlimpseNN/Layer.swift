// Layer: the protocol every network building block conforms to.
//
// Layers are value types with no hidden state between calls. Inference is
// `callAsFunction(_:)`. Training calls `forward(_:context:)`, which returns the output
// together with its pullback: a closure that captures exactly what the backward pass
// needs, so the backward sits next to the forward and cannot run without it.
//
// Parameters are named by their path from the model root (`conv1.weight`); the same name
// is used for the gradient, the optimizer state and the safetensors key. Containers only name
// their children (`visitChildren`, `updateChildren`); the paths, and every traversal of
// parameters, buffers and layers by type, are built once here on top of that.

import GlimpseTensor

/// The backward pass of one forward call: takes the gradient of the loss with respect to the
/// output, adds parameter gradients into `gradients`, and returns the gradient with respect
/// to the input (same shape as the input).
public typealias Pullback = (_ outputGradient: Tensor, _ gradients: inout Gradients) -> Tensor

/// What a training forward pass draws on besides its input: the random generator for
/// dropout and similar layers. Passed explicitly; there is no global training flag.
///
/// A context made with `init(random:firstExample:)` draws per example: a layer that draws
/// (dropout) asks `exampleStreams(count:)` for one generator per row of its input, derived from
/// the stream seed, the layer's ordinal among the drawing layers of this forward pass, and the
/// row's example number (`firstExample` + row). A row's numbers then depend only on which example
/// it is, not on which other examples share the batch, so a data-parallel rank holding part of a
/// global batch draws what one process holding all of it draws.
public struct ForwardContext {
    /// The generator dropout masks (and any other training-time randomness) come from when the
    /// context does not draw per example.
    public var random: SeededGenerator
    /// The example number of row 0 of the batch (nil: draw from `random` in order).
    public let firstExample: Int?
    /// The drawing layers that have asked for streams so far in this forward pass.
    public private(set) var drawingLayers = 0

    /// Creates a context drawing from `random` in order.
    public init(random: SeededGenerator) {
        self.random = random
        self.firstExample = nil
    }

    /// Creates a context drawing per example: `random` is the stream seed (not advanced), and
    /// row 0 of the batch is example number `firstExample` (>= 0).
    public init(random: SeededGenerator, firstExample: Int) {
        precondition(firstExample >= 0, "ForwardContext: negative first example \(firstExample)")
        self.random = random
        self.firstExample = firstExample
    }

    /// One generator per row for the next drawing layer, or nil when the context draws in order
    /// from `random`. Row r's generator depends only on the stream seed, the layer's ordinal and
    /// example number `firstExample + r`.
    public mutating func exampleStreams(count: Int) -> [SeededGenerator]? {
        guard let firstExample else { return nil }
        let layer = random.derived(0x6c61_7965_7200 &+ UInt64(drawingLayers))  // "layer" + ordinal
        drawingLayers += 1
        return (0..<count).map { layer.derived(UInt64(firstExample + $0)) }
    }
}

/// A building block of a network: inference, training forward with pullback, and named parameters.
///
/// A layer is a leaf or a container. A leaf holds tensors and implements `visitParameters` and
/// `updateParameters` (and the buffer visitors, if it has buffers) over its own tensors only. A
/// container holds layers and implements `visitChildren` and `updateChildren` only: the
/// parameter, buffer and layer-by-type traversals below are written once on top of them, and
/// name a child's tensors `child.` + their names. A block that needs a tensor of its own keeps
/// it in a leaf child.
public protocol Layer: Sendable {
    /// Inference: the output for `input` using running statistics and no dropout.
    func callAsFunction(_ input: Tensor) -> Tensor

    /// Training forward: the output and its pullback. `mutating` so that layers such as
    /// batch norm can update running statistics; randomness comes from `context`.
    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback)

    /// Visits each direct child layer as `(name, layer)`, in a fixed order (leaves: none).
    func visitChildren(_ body: (String, any Layer) -> Void)

    /// Visits each direct child mutably, in the same order as `visitChildren`; `body` may change a
    /// child but must not replace it with a layer of another type.
    mutating func updateChildren(_ body: (String, inout any Layer) -> Void)

    /// Visits every trainable parameter as `(name relative to this layer, tensor)`, in a fixed order.
    func visitParameters(_ body: (String, Tensor) -> Void)

    /// Visits every trainable parameter mutably, in the same order as `visitParameters`.
    mutating func updateParameters(_ body: (String, inout Tensor) -> Void)

    /// Visits non-trainable state that belongs in a weights file (batch norm running statistics).
    func visitBuffers(_ body: (String, Tensor) -> Void)

    /// Visits non-trainable state mutably, in the same order as `visitBuffers`.
    mutating func updateBuffers(_ body: (String, inout Tensor) -> Void)
}

extension Layer {
    /// Leaves have no children.
    public func visitChildren(_ body: (String, any Layer) -> Void) {}
    /// Leaves have no children.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {}

    /// The children's parameters, each named `child.name` (a leaf without parameters visits nothing).
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        visitChildren { child, layer in layer.visitParameters { body(child + "." + $0, $1) } }
    }

    /// The children's parameters mutably, in the same order.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        updateChildren { child, layer in layer.updateParameters { body(child + "." + $0, &$1) } }
    }

    /// The children's buffers, each named `child.name` (a leaf without buffers visits nothing).
    public func visitBuffers(_ body: (String, Tensor) -> Void) {
        visitChildren { child, layer in layer.visitBuffers { body(child + "." + $0, $1) } }
    }

    /// The children's buffers mutably, in the same order.
    public mutating func updateBuffers(_ body: (String, inout Tensor) -> Void) {
        updateChildren { child, layer in layer.updateBuffers { body(child + "." + $0, &$1) } }
    }

    /// Lends `child`, a child stored with its concrete type, to an `updateChildren` visitor `body`
    /// under `name`. The value is moved into the existential and back rather than copied, so its
    /// tensors stay uniquely referenced and an update in place does not copy them.
    public static func updateChild<Child: Layer>(_ name: String, _ child: inout Child,
                                                 _ body: (String, inout any Layer) -> Void) {
        var lent: any Layer = consume child
        body(name, &lent)
        guard let returned = (consume lent) as? Child else {
            preconditionFailure("\(Self.self).updateChildren: child \(name) was replaced by a layer of another type")
        }
        child = returned
    }

    /// Visits, mutably, every layer of type `L` in this layer's tree (itself included), depth first
    /// in child order, as `(path, layer)`: the path is what the layer's parameter names start with
    /// ("" for this layer itself, `block.bn` inside).
    public mutating func updateLayers<L: Layer>(ofType type: L.Type, _ body: (String, inout L) -> Void) {
        if Self.self == L.self {
            // Moved, not copied, as in `updateChild`.
            var match = (consume self) as! L
            body("", &match)
            self = (consume match) as! Self
        }
        updateChildren { child, layer in
            layer.updateLayers(ofType: type) { path, inner in body(path.isEmpty ? child : child + "." + path, &inner) }
        }
    }

    /// Visits every batch norm in this layer's tree mutably, as `updateLayers(ofType:)` does.
    public mutating func updateBatchNorms(_ body: (String, inout BatchNorm) -> Void) {
        updateLayers(ofType: BatchNorm.self, body)
    }

    /// Sets `freezesStatistics` on every batch norm inside whose `weight` parameter name starts
    /// with one of `frozenPrefixes` (the others keep their setting): a frozen part of a network
    /// keeps its running statistics too (torchvision's FrozenBatchNorm2d in a frozen backbone).
    public mutating func freezeBatchNormStatistics(frozenPrefixes: [String]) {
        if frozenPrefixes.isEmpty { return }
        updateBatchNorms { path, norm in
            let weightName = path.isEmpty ? "weight" : path + ".weight"
            if frozenPrefixes.contains(where: { weightName.hasPrefix($0) }) { norm.freezesStatistics = true }
        }
    }

    /// All trainable parameters by name.
    public var parameters: [String: Tensor] {
        var result = [String: Tensor]()
        visitParameters { result[$0] = $1 }
        return result
    }

    /// All buffers by name.
    public var buffers: [String: Tensor] {
        var result = [String: Tensor]()
        visitBuffers { result[$0] = $1 }
        return result
    }

    /// Parameters and buffers by name: what a weights file holds for this layer.
    public var state: [String: Tensor] {
        var result = parameters
        visitBuffers { result[$0] = $1 }
        return result
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        var total = 0
        visitParameters { total += $1.count }
        return total
    }
}
