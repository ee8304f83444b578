// GradientCheck: central differences against a layer's pullback.
//
// The scalar checked is L = sum(output * R) for a fixed random R, accumulated in Double, so
// dL/doutput = R. Every forward in the check uses a context seeded identically, so dropout
// masks are the same in every evaluation. The result is the relative error
// ||numerical - analytic|| / (||numerical|| + ||analytic||) over the checked elements; a
// correct Float32 gradient gives around 1e-4, a wrong one O(1).
//
// Every check also holds the layer to the input-gradient contract of `Gradients.needsInputGradient`:
// the pullback runs once with the flag true (its input gradient is checked above) and once with
// it false, where it may skip the input gradient but must add exactly the same parameter
// gradients; both times it must leave the flag as it found it.

import Foundation
import GlimpseNN
import GlimpseTensor

/// What a gradient check found, per checked tensor (`input` and each parameter name).
struct GradientCheckResult: CustomStringConvertible {
    var errors: [String: Double] = [:]
    /// How the layer broke the input-gradient contract (empty: it kept it).
    var contractViolations: [String] = []

    /// The worst relative error.
    var worst: Double { errors.values.max() ?? 0 }

    func passed(tolerance: Double = 1e-2) -> Bool { !errors.isEmpty && worst < tolerance && contractViolations.isEmpty }

    var description: String {
        let values = errors.sorted { $0.key < $1.key }.map { "\($0.key): \(String(format: "%.2e", $0.value))" }
        return (values + contractViolations).joined(separator: ", ")
    }
}

/// Runs the check on `layer` at `input`, for the input gradient and every parameter gradient.
/// Checks at most `samples` elements per tensor (chosen by a fixed generator).
func gradientCheck<L: Layer>(_ layer: L, input: Tensor, epsilon: Float = 5e-3, samples: Int = 64,
                             seed: UInt64 = 7) -> GradientCheckResult {
    func forwardOutput(_ l: L, _ x: Tensor) -> Tensor {
        var copy = l
        var context = ForwardContext(random: SeededGenerator(seed: seed))
        return copy.forward(x, context: &context).output
    }
    var projectionRandom = SeededGenerator(seed: 99)
    let output = forwardOutput(layer, input)
    let projection = Tensor(shape: output.shape) { _ in projectionRandom.nextNormal() }
    func loss(_ l: L, _ x: Tensor) -> Double {
        let y = forwardOutput(l, x)
        var total: Double = 0
        for i in 0..<y.count { total += Double(y.scalars[i]) * Double(projection.scalars[i]) }
        return total
    }

    /// The pullback's result and the gradients it added, with `needsInputGradient` set to `needsInput`.
    func backward(needsInput: Bool) -> (Tensor, Gradients) {
        var copy = layer
        var context = ForwardContext(random: SeededGenerator(seed: seed))
        let (_, pullback) = copy.forward(input, context: &context)
        var gradients = Gradients()
        gradients.needsInputGradient = needsInput
        return (pullback(projection, &gradients), gradients)
    }
    let (inputGradient, gradients) = backward(needsInput: true)
    precondition(inputGradient.shape == input.shape, "pullback returned \(inputGradient.shape) for input \(input.shape)")

    var result = GradientCheckResult()
    let (skippedInput, skipped) = backward(needsInput: false)
    let changed = Set(gradients.tensors.keys).union(skipped.tensors.keys).filter { gradients[$0] != skipped[$0] }
    if !changed.isEmpty {
        result.contractViolations.append("without the input gradient, other gradients for \(changed.sorted())")
    }
    if skippedInput.shape != input.shape {
        result.contractViolations.append("without the input gradient, returned \(skippedInput.shape)")
    }
    if !gradients.needsInputGradient || skipped.needsInputGradient {
        result.contractViolations.append("needsInputGradient not restored")
    }
    var pick = SeededGenerator(seed: 3)
    func indices(_ count: Int) -> [Int] {
        if count <= samples { return Array(0..<count) }
        return (0..<samples).map { _ in Int(pick.next() % UInt64(count)) }
    }
    func relativeError(_ numerical: [Double], _ analytic: [Double]) -> Double {
        var diff: Double = 0, a: Double = 0, b: Double = 0
        for i in numerical.indices {
            diff += (numerical[i] - analytic[i]) * (numerical[i] - analytic[i])
            a += numerical[i] * numerical[i]
            b += analytic[i] * analytic[i]
        }
        let denominator = a.squareRoot() + b.squareRoot()
        return denominator < 1e-12 ? diff.squareRoot() : diff.squareRoot() / denominator
    }

    // Input gradient.
    var numerical = [Double](), analytic = [Double]()
    for i in indices(input.count) {
        var plus = input, minus = input
        plus.scalars[i] += epsilon
        minus.scalars[i] -= epsilon
        numerical.append((loss(layer, plus) - loss(layer, minus)) / Double(2 * epsilon))
        analytic.append(Double(inputGradient.scalars[i]))
    }
    result.errors["input"] = relativeError(numerical, analytic)

    // Parameter gradients.
    for (name, parameter) in layer.parameters {
        guard let gradient = gradients[name] else {
            result.errors[name] = .infinity
            continue
        }
        var numerical = [Double](), analytic = [Double]()
        for i in indices(parameter.count) {
            func perturbed(_ delta: Float) -> L {
                var l = layer
                l.updateParameters { n, p in if n == name { p.scalars[i] += delta } }
                return l
            }
            numerical.append((loss(perturbed(epsilon), input) - loss(perturbed(-epsilon), input)) / Double(2 * epsilon))
            analytic.append(Double(gradient.scalars[i]))
        }
        result.errors[name] = relativeError(numerical, analytic)
    }
    return result
}

/// A random tensor with entries in ±[0.1, 1.1] (away from ReLU's kink at 0).
func randomInput(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
    var random = SeededGenerator(seed: seed)
    return Tensor(shape: shape) { _ in
        let magnitude = 0.1 + random.nextUniform()
        return random.nextUniform() < 0.5 ? -magnitude : magnitude
    }
}

/// A tensor whose entries are a shuffled ladder with steps of 0.05 (no ties within 2 epsilon, for max pooling).
func distinctInput(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
    var random = SeededGenerator(seed: seed)
    let count = Tensor.elementCount(shape)
    var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
    values.shuffle(using: &random)
    return Tensor(shape: shape, scalars: values)
}
