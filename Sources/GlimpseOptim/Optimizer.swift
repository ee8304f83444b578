// Optimizer: the protocol every update rule conforms to, and the model-wide step.
//
// Following mlx-swift's optimizers, a conformance implements only the per-tensor update;
// walking the model, skipping frozen parameters and keying the state by parameter name
// live here once. The learning rate is an argument of every step (it comes from a
// `LearningRateSchedule`), so an optimizer's stored hyperparameters never change during a run.
//
// State is kept per parameter and keyed by the parameter's full name (`conv1.weight`), the
// same name the model, the gradients and the weights file use. `state` exports it as
// `<optimizer>.<slot>.<parameter>` (`adam.m.conv1.weight`) for checkpoints.

import GlimpseNN
import GlimpseTensor

/// An update rule (SGD, Adam, ...) that moves one parameter tensor against its gradient.
///
/// Conformances implement `update(_:parameter:gradient:learningRate:)`; `step(_:gradients:learningRate:)`
/// applies it to every parameter of a model that has a gradient. State (momentum buffers,
/// moment estimates, per-parameter step counts) is created lazily on a parameter's first update.
public protocol Optimizer: Sendable {
    /// The short lowercase name used as the first component of state keys (`"adam"`).
    var name: String { get }

    /// The fixed hyperparameters as text, for checkpoint metadata (`["beta1": "0.9", ...]`).
    /// The learning rate is not among them: it is passed to every step.
    var hyperparameters: [String: String] { get }

    /// The optimizer state for a checkpoint, keyed `<name>.<slot>.<parameter name>`
    /// (`adam.m.conv1.weight`); counters are 1-element tensors (`adam.step.conv1.weight`).
    var state: [String: Tensor] { get }

    /// Replaces the whole state with one read from a checkpoint (keys as in `state`).
    /// Throws `OptimizerStateError` naming the key if an entry is foreign, missing, or misshapen;
    /// the current state is left unchanged when it throws.
    mutating func loadState(_ state: [String: Tensor]) throws

    /// Updates one parameter in place from its gradient.
    /// - Parameters:
    ///   - name: the parameter's full name (`conv1.weight`); keys its state.
    ///   - parameter: the parameter, any shape `[...]`.
    ///   - gradient: the loss gradient with respect to `parameter`, same shape.
    ///   - learningRate: the step size for this step.
    mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float)
}

extension Optimizer {
    /// Updates every parameter of `model` that has an entry in `gradients`.
    ///
    /// Parameters without a gradient (frozen ones) are left bit-identical, and so is their
    /// optimizer state: no weight decay, no momentum decay, and their step counter does not
    /// advance (counters are per parameter, see `Adam`).
    public mutating func step<L: Layer>(_ model: inout L, gradients: Gradients, learningRate: Float) {
        model.updateParameters { name, parameter in
            guard let gradient = gradients[name] else { return }
            self.update(name, parameter: &parameter, gradient: gradient, learningRate: learningRate)
        }
    }

    /// Clips `gradients` by their global norm to `maxGradientNorm` (`Gradients.clipByGlobalNorm`,
    /// PyTorch's `clip_grad_norm_`), then updates `model` like `step(_:gradients:learningRate:)`.
    /// Returns the global norm before clipping.
    @discardableResult
    public mutating func step<L: Layer>(_ model: inout L, gradients: Gradients, learningRate: Float,
                                        maxGradientNorm: Float) -> Float {
        var clipped = gradients
        let norm = clipped.clipByGlobalNorm(maxGradientNorm)
        step(&model, gradients: clipped, learningRate: learningRate)
        return norm
    }

    /// Loads `state` like `loadState(_:)`, then checks it against `model`: every entry must name
    /// one of the model's parameters and, except for 1-element counters (`step` slots), have
    /// that parameter's shape. Use it when resuming so that a checkpoint of another model fails
    /// here with the key named rather than later with a shape precondition.
    public mutating func loadState<L: Layer>(_ state: [String: Tensor], checkingAgainst model: L) throws {
        let parameters = model.parameters
        for key in state.keys.sorted() {
            let (slot, parameterName) = try OptimizerStateKey.split(key, optimizer: name)
            guard let parameter = parameters[parameterName] else {
                throw OptimizerStateError.unknownParameter(key: key, parameter: parameterName)
            }
            let found = state[key]!.shape
            if slot != OptimizerStateKey.stepSlot && found != parameter.shape {
                throw OptimizerStateError.shapeMismatch(key: key, expected: parameter.shape, found: found)
            }
        }
        try loadState(state)
    }
}
