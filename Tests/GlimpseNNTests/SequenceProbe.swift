// SequenceProbe: a test-only layer that exposes everything a recurrent layer's sequence forward
// touches to the single-input gradient check: the lengths are fixed, the initial state (h0, c0)
// is a pair of parameters, and the output is the padded sequence output `[N, T*H]` followed by
// the final state (`[N, H]`, twice for an LSTM), so the final-state gradient path is checked too.

import GlimpseNN
import GlimpseTensor

struct SequenceProbe<R: RecurrentLayer>: Layer {
    var recurrent: R
    var h0: Tensor
    var c0: Tensor?
    let lengths: [Int]

    init(_ recurrent: R, lengths: [Int], seed: UInt64 = 21) {
        let h = recurrent.hiddenSize
        self.recurrent = recurrent
        self.lengths = lengths
        h0 = randomInput([lengths.count, h], seed: seed)
        c0 = R.carriesCell ? randomInput([lengths.count, h], seed: seed + 1) : nil
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var copy = self
        var context = ForwardContext(random: SeededGenerator(seed: 0))
        return copy.forward(input, context: &context).output
    }

    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (sequence, final, pullback) = recurrent.forward(input, lengths: lengths, initialState: RecurrentState(hidden: h0, cell: c0))
        let (n, t, h) = (sequence.shape[0], sequence.shape[1], sequence.shape[2])
        let parts = [sequence.reshaped([n, t * h]), final.hidden] + (final.cell.map { [$0] } ?? [])
        let widths = parts.map { $0.shape[1] }
        let width = widths.reduce(0, +)
        var joined = [Float]()
        for row in 0..<n { for part in parts { joined += part.scalars[(row * part.shape[1])..<((row + 1) * part.shape[1])] } }
        let output = Tensor(shape: [n, width], scalars: joined)
        let hasCell = c0 != nil
        return (output, { dy, gradients in
            func column(_ index: Int) -> Tensor {
                let start = widths[..<index].reduce(0, +)
                return Tensor(shape: [n, widths[index]]) { i in dy.scalars[(i / widths[index]) * width + start + i % widths[index]] }
            }
            let finalGradient = RecurrentState(hidden: column(1), cell: hasCell ? column(2) : nil)
            let (dx, dState) = gradients.scoped("rnn") { pullback(column(0).reshaped([n, t, h]), finalGradient, &$0) }
            gradients.accumulate("h0", dState.hidden)
            if let cell = dState.cell { gradients.accumulate("c0", cell) }
            return dx
        })
    }

    func visitParameters(_ body: (String, Tensor) -> Void) {
        recurrent.visitParameters { body("rnn." + $0, $1) }
        body("h0", h0)
        if let c0 { body("c0", c0) }
    }

    mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        recurrent.updateParameters { body("rnn." + $0, &$1) }
        body("h0", &h0)
        if c0 != nil { body("c0", &c0!) }
    }
}
