// The LSTM and the plain RNN: central-difference checks of input, initial state and every
// parameter over a padded batch; padded steps carry nothing (forward or backward); a sequence
// is the same alone and inside a batch; the decoding step equals the sequence forward; and
// PyTorch's numbers (Golden/make_recurrent_golden.py, torch 2.13.0+cpu) for both layers.

import Foundation
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("Recurrent layers")
struct RecurrentLayerTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/recurrent_torch.safetensors")
    /// Lengths of the test batch: full, short, middle and empty.
    static let lengths = [4, 2, 3, 0]

    static func lstm(input: Int = 3, hidden: Int = 3) -> LSTM {
        var random = SeededGenerator(seed: 5)
        return LSTM(inputSize: input, hiddenSize: hidden, random: &random)
    }

    static func rnn(input: Int = 3, hidden: Int = 3) -> RNN {
        var random = SeededGenerator(seed: 6)
        return RNN(inputSize: input, hiddenSize: hidden, random: &random)
    }

    @Test func lstmGradientsOverAPaddedBatch() {
        let probe = SequenceProbe(Self.lstm(), lengths: Self.lengths)
        let result = gradientCheck(probe, input: randomInput([4, 4, 3]), epsilon: 1e-2)
        #expect(result.passed(), "\(result)")
        #expect(Set(result.errors.keys) == ["input", "h0", "c0", "rnn.weight_ih", "rnn.weight_hh", "rnn.bias_ih", "rnn.bias_hh"])
    }

    @Test func rnnGradientsOverAPaddedBatch() {
        let probe = SequenceProbe(Self.rnn(), lengths: Self.lengths)
        let result = gradientCheck(probe, input: randomInput([4, 4, 3]), epsilon: 1e-2)
        #expect(result.passed(), "\(result)")
        #expect(Set(result.errors.keys) == ["input", "h0", "rnn.weight_ih", "rnn.weight_hh", "rnn.bias_ih", "rnn.bias_hh"])
    }

    @Test func asPlainLayers() {
        // Full length from a zero state, through the Layer protocol.
        for result in [gradientCheck(Self.lstm(), input: randomInput([2, 3, 3])),
                       gradientCheck(Self.rnn(), input: randomInput([2, 3, 3]))] {
            #expect(result.passed(), "\(result)")
        }
    }

    /// Forward and backward of `layer` over `input` with `lengths`, a fixed initial state and output
    /// gradient `dy`: the output, the final state, the input gradient, the initial state's gradient
    /// and the parameter gradients.
    static func run<R: RecurrentLayer>(_ layer: R, _ input: Tensor, lengths: [Int], initial: RecurrentState, dy: Tensor)
        -> (output: Tensor, final: RecurrentState, dx: Tensor, dState: RecurrentState, gradients: Gradients) {
        let (output, final, pullback) = layer.forward(input, lengths: lengths, initialState: initial)
        var gradients = Gradients()
        let (dx, dState) = pullback(dy, nil, &gradients)
        return (output, final, dx, dState, gradients)
    }

    @Test func paddedStepsCarryNothing() {
        let layer = Self.lstm()
        let (n, t, h) = (4, 4, 3)
        let initial = RecurrentState(hidden: randomInput([n, h], seed: 8), cell: randomInput([n, h], seed: 9))
        let input = randomInput([n, t, 3])
        let dy = randomInput([n, t, h], seed: 10)
        // Other values at the padded steps, of both the input and the output gradient.
        var otherInput = input, otherDy = dy
        for s in 0..<n {
            for step in Self.lengths[s]..<t {
                for j in 0..<3 { otherInput.scalars[(s * t + step) * 3 + j] = 100 }
                for j in 0..<h { otherDy.scalars[(s * t + step) * h + j] = -50 }
            }
        }
        let a = Self.run(layer, input, lengths: Self.lengths, initial: initial, dy: dy)
        let b = Self.run(layer, otherInput, lengths: Self.lengths, initial: initial, dy: otherDy)
        #expect(a.output == b.output && a.final == b.final && a.dx == b.dx && a.dState == b.dState)
        for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] { #expect(a.gradients[name] == b.gradients[name]) }
        for s in 0..<n {
            for step in Self.lengths[s]..<t {
                for j in 0..<h { #expect(a.output.scalars[(s * t + step) * h + j] == 0) }
                for j in 0..<3 { #expect(a.dx.scalars[(s * t + step) * 3 + j] == 0) }
            }
        }
        // The empty sequence keeps its initial state and passes no gradient but the final state's.
        #expect(a.final.hidden.scalars[3 * h..<4 * h] == initial.hidden.scalars[3 * h..<4 * h])
        #expect(a.dState.hidden.scalars[3 * h..<4 * h].allSatisfy { $0 == 0 })
    }

    @Test func aSequenceIsTheSameAloneAndInABatch() {
        // The batch gradient is the sum of the sequences' gradients alone: nothing leaks across
        // sequences or from padding.
        let layer = Self.lstm()
        let (n, t, h) = (4, 4, 3)
        let input = randomInput([n, t, 3])
        let initial = RecurrentState(hidden: randomInput([n, h], seed: 8), cell: randomInput([n, h], seed: 9))
        let dy = randomInput([n, t, h], seed: 10)
        let batch = Self.run(layer, input, lengths: Self.lengths, initial: initial, dy: dy)
        var summed = [String: Tensor]()
        for s in 0..<n {
            let length = max(Self.lengths[s], 1)  // a zero-length sequence alone still needs one (padded) step
            func slice(_ x: Tensor, _ width: Int) -> Tensor {
                Tensor(shape: [1, length, width], scalars: Array(x.scalars[(s * t * width)..<((s * t + length) * width)]))
            }
            let row = { (x: Tensor) in x.items(s..<(s + 1)) }
            let alone = Self.run(layer, slice(input, 3), lengths: [Self.lengths[s]],
                                 initial: RecurrentState(hidden: row(initial.hidden), cell: row(initial.cell!)), dy: slice(dy, h))
            let close = { (a: ArraySlice<Float>, b: [Float]) in zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 } }
            #expect(close(batch.output.scalars[(s * t * h)..<((s * t + length) * h)], alone.output.scalars))
            #expect(close(batch.dx.scalars[(s * t * 3)..<((s * t + length) * 3)], alone.dx.scalars))
            #expect(close(batch.final.hidden.scalars[(s * h)..<((s + 1) * h)], alone.final.hidden.scalars))
            #expect(close(batch.dState.cell!.scalars[(s * h)..<((s + 1) * h)], alone.dState.cell!.scalars))
            for (name, gradient) in alone.gradients.tensors { summed[name] = summed[name].map { $0 + gradient } ?? gradient }
        }
        for (name, gradient) in summed {
            let error = (gradient - batch.gradients[name]!).maxAbs()
            #expect(error <= 1e-5, "\(name): \(error)")
        }
    }

    @Test func maskedCrossEntropyGradient() {
        // The captioner's loss: logits at every step, cross-entropy with the padded steps' labels
        // ignored. Central differences of the loss itself, through a linear head.
        let layer = Self.lstm()
        var random = SeededGenerator(seed: 12)
        let head = Linear(inFeatures: 3, outFeatures: 5, random: &random)
        let (n, t) = (4, 4)
        let input = randomInput([n, t, 3])
        var labels = [Int]()
        for s in 0..<n { for step in 0..<t { labels.append(step < Self.lengths[s] ? (s + 2 * step) % 5 : -100) } }
        func loss(_ layer: LSTM, _ x: Tensor) -> (loss: Float, dx: Tensor, gradients: Gradients) {
            let (output, _, pullback) = layer.forward(x, lengths: Self.lengths, initialState: nil)
            let (value, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: head(output.reshaped([n * t, 3])), labels: labels)
            var gradients = Gradients()
            let dx = pullback(Tensor.matmul(dLogits, head.weight).reshaped([n, t, 3]), nil, &gradients).input
            return (value, dx, gradients)
        }
        let (_, dx, gradients) = loss(layer, input)
        let epsilon: Float = 1e-2
        var numerical = [Float](), analytic = [Float]()
        for i in 0..<input.count {
            var plus = input, minus = input
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            let difference = (loss(layer, plus).loss - loss(layer, minus).loss) / (2 * epsilon)
            let (s, step) = (i / (t * 3), (i / 3) % t)
            if step >= Self.lengths[s] { #expect(difference == 0 && dx.scalars[i] == 0) }
            numerical.append(difference)
            analytic.append(dx.scalars[i])
        }
        for i in stride(from: 0, to: layer.weightHH.count, by: 3) {
            func perturbed(_ delta: Float) -> LSTM { var l = layer; l.weightHH.scalars[i] += delta; return l }
            numerical.append((loss(perturbed(epsilon), input).loss - loss(perturbed(-epsilon), input).loss) / (2 * epsilon))
            analytic.append(gradients["weight_hh"]!.scalars[i])
        }
        let error = (Tensor(shape: [numerical.count], scalars: numerical) - Tensor(shape: [analytic.count], scalars: analytic)).l2Norm()
            / Tensor(shape: [analytic.count], scalars: analytic).l2Norm()
        #expect(error < 1e-2, "relative error \(error)")
    }

    @Test func decodingStepsEqualTheSequenceForward() {
        let layer = Self.lstm()
        let input = randomInput([2, 4, 3])
        var state = RecurrentState(hidden: randomInput([2, 3], seed: 8), cell: randomInput([2, 3], seed: 9))
        let (output, final, _) = layer.forward(input, lengths: nil, initialState: state)
        for step in 0..<4 {
            let x = Tensor(shape: [2, 3]) { i in input.scalars[((i / 3) * 4 + step) * 3 + i % 3] }
            state = layer.step(x, state: state)
            for s in 0..<2 {
                #expect(Array(state.hidden.scalars[(s * 3)..<(s * 3 + 3)]) == Array(output.scalars[((s * 4 + step) * 3)..<((s * 4 + step) * 3 + 3)]))
            }
        }
        #expect(state == final)
        #expect(layer(input) == layer.forward(input, lengths: nil, initialState: nil).output)
    }

    /// Compares `layer`, loaded with PyTorch's parameters under `prefix`, against PyTorch's outputs and gradients.
    func matchesPyTorch<R: RecurrentLayer>(_ layer: R, prefix: String) throws {
        let file = try SafetensorsFile(contentsOf: Self.golden)
        let golden = try file.tensors()
        let lengths = try #require(file.metadata["lengths"]).split(separator: ",").map { Int($0)! }
        func tensor(_ name: String) throws -> Tensor { try #require(golden[prefix + "." + name], "\(prefix).\(name)") }
        var layer = layer
        layer.updateParameters { name, parameter in parameter = golden[prefix + "." + name]! }
        let initial = RecurrentState(hidden: try tensor("h0"), cell: R.carriesCell ? try tensor("c0") : nil)
        let (output, final, pullback) = layer.forward(try tensor("input"), lengths: lengths, initialState: initial)
        let relative = { (a: Tensor, b: Tensor) in (a - b).l2Norm() / max(b.l2Norm(), 1e-12) }
        #expect(relative(output, try tensor("output")) < 1e-5)
        #expect(relative(final.hidden, try tensor("h_n")) < 1e-5)
        if R.carriesCell { #expect(relative(final.cell!, try tensor("c_n")) < 1e-5) }
        var gradients = Gradients()
        let finalGradient = RecurrentState(hidden: try tensor("dh"), cell: R.carriesCell ? try tensor("dc") : nil)
        let (dx, dState) = pullback(try tensor("dy"), finalGradient, &gradients)
        #expect(relative(dx, try tensor("grad.input")) < 1e-5)
        #expect(relative(dState.hidden, try tensor("grad.h0")) < 1e-5)
        if R.carriesCell { #expect(relative(dState.cell!, try tensor("grad.c0")) < 1e-5) }
        for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
            let error = relative(try #require(gradients[name]), try tensor("grad." + name))
            #expect(error < 1e-5, "\(prefix).\(name): \(error)")
        }
    }

    @Test func lstmMatchesPyTorch() throws {
        try matchesPyTorch(Self.lstm(input: 3, hidden: 4), prefix: "lstm")
    }

    @Test func rnnMatchesPyTorch() throws {
        try matchesPyTorch(Self.rnn(input: 3, hidden: 4), prefix: "rnn")
    }
}
