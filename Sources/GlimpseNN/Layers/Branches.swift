// Branches: layers whose children see the same input and whose outputs are joined:
// `Concat` joins along channels (GoogLeNet's inception block), `Add` sums (ResNet's skip).

import GlimpseTensor

/// Applies named branches to the same input and concatenates their outputs along channels.
public struct Concat: Layer {
    /// The branches, in output-channel order, with their names.
    public var branches: Sequential

    /// Creates the block; every branch must keep the batch and spatial size.
    public init(_ branches: [(String, any Layer)]) {
        precondition(!branches.isEmpty, "Concat: needs branches")
        self.branches = Sequential(branches)
    }

    /// Inference: `[N, C, H, W]` -> `[N, sum of branch channels, H', W']`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.concatChannels(branches.layers.map { $0.layer(input) })
    }

    /// Training forward; the pullback splits the gradient and sums the branches' input gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        var outputs = [Tensor]()
        var pullbacks = [(String, Pullback)]()
        for index in branches.layers.indices {
            let (y, pullback) = branches.layers[index].layer.forward(input, context: &context)
            outputs.append(y)
            pullbacks.append((branches.layers[index].name, pullback))
        }
        let counts = outputs.map { $0.shape[1] }
        return (Tensor.concatChannels(outputs), { dy, gradients in
            let parts = dy.splitChannels(counts)
            var dx = Tensor(zeros: input.shape)
            for (index, (name, pullback)) in pullbacks.enumerated() {
                dx.add(gradients.scoped(name) { pullback(parts[index], &$0) })
            }
            return dx
        })
    }

    /// Visits the branches, whose parameters are named `branch.name` (not `branches.`).
    public func visitChildren(_ body: (String, any Layer) -> Void) { branches.visitChildren(body) }
    /// Visits the branches mutably.
    public mutating func updateChildren(_ body: (String, inout any Layer) -> Void) { branches.updateChildren(body) }
}

/// A residual connection: `body(x) + shortcut(x)`, with the identity as the default shortcut
/// (He et al. 2016). Parameters are named `body.*` and `shortcut.*`.
public struct Add: Layer {
    /// The residual branch F.
    public var body: any Layer
    /// The projection on the skip path (nil: identity).
    public var shortcut: (any Layer)?

    /// Creates the block; `body` (and `shortcut`) must produce equal shapes.
    public init(body: any Layer, shortcut: (any Layer)? = nil) {
        self.body = body
        self.shortcut = shortcut
    }

    /// Inference: `body(x) + shortcut(x)`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let skip = shortcut.map { $0(input) } ?? input
        let main = body(input)
        precondition(main.shape == skip.shape, "Add: body gives \(main.shape), shortcut gives \(skip.shape)")
        return main + skip
    }

    /// Training forward; the output gradient flows unchanged into both paths.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (main, bodyPullback) = body.forward(input, context: &context)
        var skip = input
        var shortcutPullback: Pullback?
        if shortcut != nil {
            let result = shortcut!.forward(input, context: &context)
            skip = result.output
            shortcutPullback = result.pullback
        }
        precondition(main.shape == skip.shape, "Add: body gives \(main.shape), shortcut gives \(skip.shape)")
        return (main + skip, { dy, gradients in
            var dx = gradients.scoped("body") { bodyPullback(dy, &$0) }
            if let shortcutPullback {
                dx.add(gradients.scoped("shortcut") { shortcutPullback(dy, &$0) })
            } else {
                dx.add(dy)
            }
            return dx
        })
    }

    /// Visits `body` then `shortcut` (if any).
    public func visitChildren(_ visit: (String, any Layer) -> Void) {
        visit("body", body)
        if let shortcut { visit("shortcut", shortcut) }
    }

    /// Visits `body` then `shortcut` (if any) mutably.
    public mutating func updateChildren(_ visit: (String, inout any Layer) -> Void) {
        visit("body", &body)
        if shortcut != nil { visit("shortcut", &shortcut!) }
    }
}
