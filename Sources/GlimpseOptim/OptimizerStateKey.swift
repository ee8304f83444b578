// OptimizerStateKey: the `<optimizer>.<slot>.<parameter>` naming of checkpointed optimizer state,
// shared by every conformance so that saving and loading cannot drift apart.

import GlimpseTensor

/// Builds and parses optimizer state keys such as `adam.m.conv1.weight`.
enum OptimizerStateKey {
    /// The slot of per-parameter step counters (1-element tensors).
    static let stepSlot = "step"

    /// The checkpoint key of one slot of one parameter.
    static func key(optimizer: String, slot: String, parameter: String) -> String {
        "\(optimizer).\(slot).\(parameter)"
    }

    /// Splits `key` into its slot and parameter name; throws if it does not start with `optimizer.`.
    static func split(_ key: String, optimizer: String) throws -> (slot: String, parameter: String) {
        let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == optimizer, !parts[1].isEmpty, !parts[2].isEmpty else {
            throw OptimizerStateError.unexpectedKey(key: key, expected: "\(optimizer).<slot>.<parameter>")
        }
        return (String(parts[1]), String(parts[2]))
    }

    /// Adds `tensors` (keyed by parameter name) to `result` under `optimizer.slot.<parameter>`.
    static func export(_ tensors: [String: Tensor], optimizer: String, slot: String, into result: inout [String: Tensor]) {
        for (parameter, tensor) in tensors {
            result[key(optimizer: optimizer, slot: slot, parameter: parameter)] = tensor
        }
    }

    /// Sorts the entries of `state` by slot, keyed by parameter name: `[slot: [parameter: tensor]]`.
    /// Every key must belong to `optimizer` and name one of `slots`; every slot is present in the result.
    /// Keys are checked in sorted order, so the error for a bad checkpoint is always the same.
    static func group(_ state: [String: Tensor], optimizer: String, slots: [String]) throws -> [String: [String: Tensor]] {
        var result = [String: [String: Tensor]]()
        for slot in slots { result[slot] = [:] }
        for (key, tensor) in state.sorted(by: { $0.key < $1.key }) {
            let (slot, parameter) = try split(key, optimizer: optimizer)
            guard slots.contains(slot) else {
                let expected = slots.isEmpty
                    ? "no state at all" : "\(optimizer).{\(slots.joined(separator: ","))}.<parameter>"
                throw OptimizerStateError.unexpectedKey(key: key, expected: expected)
            }
            result[slot]![parameter] = tensor
        }
        return result
    }

    /// Reads a step counter tensor: one whole number in `0...2^24`.
    static func stepCount(_ tensor: Tensor, key: String) throws -> Int {
        guard tensor.count == 1, let value = tensor.scalars.first, value >= 0, value <= 16_777_216,
              value == value.rounded()
        else {
            throw OptimizerStateError.invalidStep(key: key, found: tensor.scalars)
        }
        return Int(value)
    }

    /// Stops with a clear message when an update's shapes disagree (a programmer error).
    @inline(__always)
    static func checkShapes(_ optimizer: String, _ name: String, parameter: Tensor, gradient: Tensor) {
        precondition(gradient.shape == parameter.shape,
                     "\(optimizer): gradient shape \(gradient.shape) differs from parameter '\(name)' \(parameter.shape)")
    }

    /// Stops with a clear message when stored state does not fit the parameter it is used for.
    @inline(__always)
    static func checkState(_ optimizer: String, _ name: String, state: Tensor, parameter: Tensor) {
        precondition(state.shape == parameter.shape,
                     "\(optimizer): state for '\(name)' has shape \(state.shape) but the parameter has \(parameter.shape); "
                     + "load checkpoints with loadState(_:checkingAgainst:)")
    }
}
