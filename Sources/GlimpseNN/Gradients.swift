// Gradients: parameter gradients keyed by the parameters' full names.

import GlimpseTensor

/// Parameter gradients collected by pullbacks, keyed like the parameters (`conv1.weight`).
///
/// Composite layers call `scoped(_:_:)` around a child's pullback so that the child adds
/// `weight` and it lands under `conv1.weight`. Parameters under a frozen prefix get no
/// gradient, and layers can ask `wants(_:)` to skip computing it at all.
public struct Gradients {
    /// The gradients by full parameter name.
    public private(set) var tensors: [String: Tensor] = [:]
    /// Name prefixes (`conv1.`, or a whole name) whose parameters are frozen.
    public var frozenPrefixes: [String]
    /// The current scope: the path of the layer whose pullback is running, with a trailing dot.
    public private(set) var prefix: String = ""
    /// Whether the caller of the running pullback uses the gradient it returns. A training step
    /// sets this to false for the whole network (nobody needs the gradient of the images), so
    /// `Sequential` can stop below its lowest trainable layer and layers can skip computing it.
    /// A pullback that sees false may return zeros. A composite layer that chains children
    /// itself (not through `Sequential`, which handles it) must set this to true around the
    /// pullbacks whose input gradient feeds another of its children, as `Fire` does.
    public var needsInputGradient = true

    /// An empty collection; parameters under any of `frozenPrefixes` get no gradient.
    public init(frozenPrefixes: [String] = []) {
        self.frozenPrefixes = frozenPrefixes
    }

    /// The gradient of a parameter by full name.
    public subscript(name: String) -> Tensor? {
        tensors[name]
    }

    /// Whether the parameter `name` (relative to the current scope) needs a gradient.
    public func wants(_ name: String) -> Bool {
        if frozenPrefixes.isEmpty { return true }
        let full = prefix + name
        return !frozenPrefixes.contains { full.hasPrefix($0) }
    }

    /// Adds `gradient` to the parameter `name` (relative to the current scope), unless frozen.
    public mutating func accumulate(_ name: String, _ gradient: Tensor) {
        guard wants(name) else { return }
        let full = prefix + name
        if var existing = tensors.removeValue(forKey: full) {
            existing.add(gradient)
            tensors[full] = existing
        } else {
            tensors[full] = gradient
        }
    }

    /// Runs `body` with the scope extended by `child` (a child layer's name).
    public mutating func scoped<R>(_ child: String, _ body: (inout Gradients) -> R) -> R {
        let saved = prefix
        prefix = saved + child + "."
        defer { prefix = saved }
        return body(&self)
    }

    /// Multiplies every gradient by `factor` in place (for clipping; see `clipByGlobalNorm`).
    public mutating func scaleAll(by factor: Float) {
        for name in Array(tensors.keys) {
            var gradient = tensors.removeValue(forKey: name)!  // moved out, so scaled without a copy
            gradient.scale(by: factor)
            tensors[name] = gradient
        }
    }

    /// Removes all gradients (keeps the frozen prefixes).
    public mutating func removeAll() {
        tensors.removeAll(keepingCapacity: true)
    }
}
