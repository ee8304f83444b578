// RecurrentLayer: what the LSTM and the plain (tanh) RNN share: PyTorch's parameters, the time
// loop over a padded batch of sequences of different lengths, and backpropagation through time.
//
// Both are one layer of PyTorch's `nn.LSTM` / `nn.RNN` (batch_first): with G gates of width H,
//   pre_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh          ([N, G*H], gates in PyTorch's order)
// and a cell that turns pre_t (and c_{t-1}) into h_t (and c_t); see `LSTM` and `RNN`.
// Parameters are named `weight_ih` `[G*H, I]`, `weight_hh` `[G*H, H]`, `bias_ih` and `bias_hh`
// `[G*H]`, as PyTorch names them (`weight_ih_l0` there), so its weights map one to one.
//
// Padding: sequence n has `lengths[n]` valid steps; at a step t >= lengths[n] its state is
// carried unchanged, its output is zero (as `pad_packed_sequence` gives) and nothing flows back
// through it: the input gradient there is zero and the output gradient there is ignored. The
// final state is therefore each sequence's state after its own last step.
//
// The input projection of all steps is one GEMM; each step adds its recurrent product with one
// GEMM that writes straight into the step's rows of the batch-major `[N, T, G*H]` buffer (ldc =
// T*G*H). The backward pass is the same in reverse, and the weight gradients are GEMMs over all
// steps at once (`weight_ih`) or one per step (`weight_hh`).

import GlimpseTensor

/// The state carried from one step to the next: `hidden` `[N, H]` and, for an LSTM, `cell` `[N, H]`.
public struct RecurrentState: Sendable, Equatable {
    /// The hidden state h, `[N, H]`.
    public var hidden: Tensor
    /// The LSTM's cell state c, `[N, H]` (nil for a plain RNN).
    public var cell: Tensor?

    /// Creates a state from `hidden` `[N, H]` and, for an LSTM, `cell` `[N, H]`.
    public init(hidden: Tensor, cell: Tensor? = nil) {
        if let cell { precondition(cell.shape == hidden.shape, "RecurrentState: cell \(cell.shape) vs hidden \(hidden.shape)") }
        self.hidden = hidden
        self.cell = cell
    }
}

/// The backward pass of a sequence forward: takes the output gradient `[N, T, H]` and, optionally,
/// the final state's gradient (each `[N, H]`), adds parameter gradients into `gradients`, and returns
/// the input gradient `[N, T, I]` (zeros if `gradients.needsInputGradient` is false) and the initial
/// state's gradient.
public typealias SequencePullback = (_ outputGradient: Tensor, _ finalStateGradient: RecurrentState?,
                                     _ gradients: inout Gradients) -> (input: Tensor, initialState: RecurrentState)

/// One recurrent layer over batch-first sequences `[N, T, I]` -> `[N, T, H]`, with PyTorch's
/// parameters and gate order. As a plain `Layer` it runs every sequence to full length from a zero
/// state; `forward(_:lengths:initialState:)` takes lengths and an initial state, and
/// `step(_:state:)` runs one step for decoding.
public protocol RecurrentLayer: Layer {
    /// Gates per hidden unit: 4 for the LSTM (i, f, g, o), 1 for the plain RNN.
    static var gateCount: Int { get }
    /// Whether the state has a cell (LSTM) besides the hidden state.
    static var carriesCell: Bool { get }
    /// Input-to-gates weight `[G*H, I]`, named `weight_ih`.
    var weightIH: Tensor { get set }
    /// Hidden-to-gates weight `[G*H, H]`, named `weight_hh`.
    var weightHH: Tensor { get set }
    /// Input-side bias `[G*H]`, named `bias_ih`.
    var biasIH: Tensor { get set }
    /// Hidden-side bias `[G*H]`, named `bias_hh` (kept apart from `bias_ih` as in PyTorch).
    var biasHH: Tensor { get set }

    /// Creates the layer from existing parameters: `weight_ih` `[G*H, I]`, `weight_hh` `[G*H, H]`,
    /// `bias_ih` and `bias_hh` `[G*H]`.
    init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor)

    /// Turns one row's pre-activations `gates` `[G*H]` into activations in place and writes the
    /// new `hidden` `[H]` and, with a cell, the new `cell` `[H]` from `previousCell` `[H]`.
    static func cellForward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                            cell: UnsafeMutablePointer<Float>?, hidden: UnsafeMutablePointer<Float>, size: Int)

    /// The cell's backward for one row: `gates` `[G*H]` holds the activations and is overwritten with
    /// the pre-activation gradient; `hiddenGradient` `[H]` is dL/dh_t; `cellGradient` `[H]` (with a
    /// cell) holds dL/dc_t from later steps on entry and dL/dc_{t-1} on return.
    static func cellBackward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                             cell: UnsafePointer<Float>?, hiddenGradient: UnsafePointer<Float>,
                             cellGradient: UnsafeMutablePointer<Float>?, size: Int)
}

/// What a sequence forward keeps for its backward: all buffers batch-major.
struct RecurrentTrace {
    var batch: Int, steps: Int, lengths: [Int]
    /// Activations, `[N, T, G*H]`.
    var gates: [Float]
    /// h_0 ... h_T per sequence, `[N, T+1, H]`.
    var hiddens: [Float]
    /// c_0 ... c_T per sequence, `[N, T+1, H]` (empty without a cell).
    var cells: [Float]
}

extension RecurrentLayer {
    /// H, the hidden (and output) width.
    public var hiddenSize: Int { weightHH.shape[1] }
    /// I, the input width.
    public var inputSize: Int { weightIH.shape[1] }

    /// Checks the four parameters' shapes against each other (for initialisers).
    static func checkParameters(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor) {
        let name = "\(Self.self)"
        precondition(weightHH.rank == 2 && weightHH.shape[0] == gateCount * weightHH.shape[1],
                     "\(name): weight_hh must be [\(gateCount)*H, H], got \(weightHH.shape)")
        let gh = weightHH.shape[0]
        precondition(weightIH.rank == 2 && weightIH.shape[0] == gh, "\(name): weight_ih must be [\(gh), I], got \(weightIH.shape)")
        precondition(biasIH.shape == [gh] && biasHH.shape == [gh],
                     "\(name): biases must be [\(gh)], got \(biasIH.shape) and \(biasHH.shape)")
    }

    /// Creates the layer with PyTorch's initialisation: every parameter uniform in ±1/sqrt(H),
    /// drawn in the order weight_ih, weight_hh, bias_ih, bias_hh.
    public init(inputSize: Int, hiddenSize: Int, random: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0, "\(Self.self): sizes must be positive, got \(inputSize), \(hiddenSize)")
        let bound = 1 / Float(hiddenSize).squareRoot()
        let gh = Self.gateCount * hiddenSize
        let p = [[gh, inputSize], [gh, hiddenSize], [gh], [gh]].map { shape in
            Tensor(shape: shape) { _ in (random.nextUniform() * 2 - 1) * bound }
        }
        self.init(weightIH: p[0], weightHH: p[1], biasIH: p[2], biasHH: p[3])
    }

    /// Visits `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (PyTorch's order).
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        body("weight_ih", weightIH)
        body("weight_hh", weightHH)
        body("bias_ih", biasIH)
        body("bias_hh", biasHH)
    }

    /// Visits the parameters mutably, in the same order.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight_ih", &weightIH)
        body("weight_hh", &weightHH)
        body("bias_ih", &biasIH)
        body("bias_hh", &biasHH)
    }

    /// The all-zero state for `batchSize` sequences (each tensor `[N, H]`).
    public func zeroState(batchSize: Int) -> RecurrentState {
        let zeros = Tensor(zeros: [batchSize, hiddenSize])
        return RecurrentState(hidden: zeros, cell: Self.carriesCell ? zeros : nil)
    }

    /// Inference over full-length sequences from a zero state: `[N, T, I]` -> `[N, T, H]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let trace = run(input, lengths: nil, initialState: nil)
        return output(trace)
    }

    /// Training forward over full-length sequences from a zero state; the pullback returns the
    /// input gradient `[N, T, I]`.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (output, _, pullback) = forward(input, lengths: nil, initialState: nil)
        return (output, { dy, gradients in pullback(dy, nil, &gradients).input })
    }

    /// One step for decoding: input `[N, I]` and the state (each `[N, H]`) -> the next state;
    /// its `hidden` is the step's output.
    public func step(_ input: Tensor, state: RecurrentState) -> RecurrentState {
        precondition(input.rank == 2, "\(Self.self).step: input must be [N, \(inputSize)], got \(input.shape)")
        let trace = run(input.reshaped([input.shape[0], 1, input.shape[1]]), lengths: nil, initialState: state)
        return finalState(trace)
    }

    /// Training forward over a padded batch.
    /// - Parameters:
    ///   - input: `[N, T, I]`, sequence n valid at steps `0..<lengths[n]` (the rest is ignored).
    ///   - lengths: N lengths in `0...T` (nil: all T).
    ///   - initialState: h0 (and c0 for an LSTM), each `[N, H]` (nil: zeros).
    /// - Returns: the output `[N, T, H]` (zero at padded steps), each sequence's state after its last
    ///   valid step, and the pullback (BPTT).
    public func forward(_ input: Tensor, lengths: [Int]?, initialState: RecurrentState?)
        -> (output: Tensor, finalState: RecurrentState, pullback: SequencePullback) {
        let trace = run(input, lengths: lengths, initialState: initialState)
        let (weightIH, weightHH, hiddenSize) = (self.weightIH, self.weightHH, self.hiddenSize)
        let result = output(trace)
        let pullback: SequencePullback = { dy, finalGradient, gradients in
            Self.backward(trace, input: input, weightIH: weightIH, weightHH: weightHH, hiddenSize: hiddenSize,
                          outputGradient: dy, finalStateGradient: finalGradient, gradients: &gradients)
        }
        return (result, finalState(trace), pullback)
    }

    // MARK: - Forward

    /// The time loop: projects every input at once, then runs the steps.
    func run(_ input: Tensor, lengths: [Int]?, initialState: RecurrentState?) -> RecurrentTrace {
        let name = "\(Self.self)"
        let (h, gh) = (hiddenSize, Self.gateCount * hiddenSize)
        precondition(input.rank == 3 && input.shape[2] == inputSize, "\(name): input must be [N, T, \(inputSize)], got \(input.shape)")
        let (n, t) = (input.shape[0], input.shape[1])
        precondition(n >= 1 && t >= 1, "\(name): needs at least one sequence and one step, got \(input.shape)")
        let lengths = lengths ?? Array(repeating: t, count: n)
        precondition(lengths.count == n, "\(name): \(lengths.count) lengths for a batch of \(n)")
        for (i, length) in lengths.enumerated() {
            precondition(length >= 0 && length <= t, "\(name): sequence \(i) has length \(length), outside 0...\(t)")
        }
        if let initialState {
            precondition(initialState.hidden.shape == [n, h], "\(name): h0 must be [\(n), \(h)], got \(initialState.hidden.shape)")
            precondition((initialState.cell != nil) == Self.carriesCell,
                         "\(name): initial state \(Self.carriesCell ? "needs" : "has no") a cell")
        }
        // Pre-activations of all steps: x W_ih^T + b_ih + b_hh, [N*T, G*H].
        var gates = Tensor.matmul(input.reshaped([n * t, inputSize]), weightIH, transposeB: true).scalars
        let bias = (biasIH + biasHH).scalars
        for row in 0..<(n * t) {
            for j in 0..<gh { gates[row * gh + j] += bias[j] }
        }
        let stride = (t + 1) * h
        var hiddens = [Float](repeating: 0, count: n * stride)
        var cells = [Float](repeating: 0, count: Self.carriesCell ? n * stride : 0)
        if let initialState {
            for s in 0..<n {
                for j in 0..<h { hiddens[s * stride + j] = initialState.hidden.scalars[s * h + j] }
                if let c0 = initialState.cell { for j in 0..<h { cells[s * stride + j] = c0.scalars[s * h + j] } }
            }
        }
        weightHH.withUnsafeBufferPointer { w in
            gates.withUnsafeMutableBufferPointer { g in
                hiddens.withUnsafeMutableBufferPointer { hs in
                    cells.withUnsafeMutableBufferPointer { cs in
                        for step in 0..<t {
                            // pre[:, step] += h_{step} W_hh^T, straight into the step's rows.
                            BLAS.gemm(transposeB: true, m: n, n: gh, k: h, a: hs.baseAddress! + step * h, lda: stride,
                                      b: w.baseAddress!, ldb: h, beta: 1, c: g.baseAddress! + step * gh, ldc: t * gh)
                            for s in 0..<n {
                                let previous = s * stride + step * h
                                if step < lengths[s] {
                                    Self.cellForward(gates: g.baseAddress! + (s * t + step) * gh,
                                                     previousCell: Self.carriesCell ? UnsafePointer(cs.baseAddress! + previous) : nil,
                                                     cell: Self.carriesCell ? cs.baseAddress! + previous + h : nil,
                                                     hidden: hs.baseAddress! + previous + h, size: h)
                                } else {
                                    for j in 0..<h { hs[previous + h + j] = hs[previous + j] }
                                    if Self.carriesCell { for j in 0..<h { cs[previous + h + j] = cs[previous + j] } }
                                }
                            }
                        }
                    }
                }
            }
        }
        return RecurrentTrace(batch: n, steps: t, lengths: lengths, gates: gates, hiddens: hiddens, cells: cells)
    }

    /// The output `[N, T, H]`: h_{t+1} at valid steps, zero at padded ones.
    func output(_ trace: RecurrentTrace) -> Tensor {
        let (n, t, h) = (trace.batch, trace.steps, hiddenSize)
        var out = [Float](repeating: 0, count: n * t * h)
        for s in 0..<n {
            for step in 0..<trace.lengths[s] {
                for j in 0..<h { out[(s * t + step) * h + j] = trace.hiddens[(s * (t + 1) + step + 1) * h + j] }
            }
        }
        return Tensor(shape: [n, t, h], scalars: out)
    }

    /// Each sequence's state after its last valid step (each `[N, H]`).
    func finalState(_ trace: RecurrentTrace) -> RecurrentState {
        let (n, t, h) = (trace.batch, trace.steps, hiddenSize)
        func last(_ buffer: [Float]) -> Tensor {
            Tensor(shape: [n, h]) { i in buffer[((i / h) * (t + 1) + t) * h + i % h] }
        }
        return RecurrentState(hidden: last(trace.hiddens), cell: Self.carriesCell ? last(trace.cells) : nil)
    }

    // MARK: - Backward

    /// Backpropagation through time over `trace`.
    static func backward(_ trace: RecurrentTrace, input: Tensor, weightIH: Tensor, weightHH: Tensor, hiddenSize h: Int,
                         outputGradient dy: Tensor, finalStateGradient: RecurrentState?,
                         gradients: inout Gradients) -> (input: Tensor, initialState: RecurrentState) {
        let (n, t, gh) = (trace.batch, trace.steps, gateCount * h)
        precondition(dy.shape == [n, t, h], "\(Self.self): output gradient must be [\(n), \(t), \(h)], got \(dy.shape)")
        if let finalStateGradient {
            precondition(finalStateGradient.hidden.shape == [n, h], "\(Self.self): final hidden gradient \(finalStateGradient.hidden.shape)")
        }
        var dh = finalStateGradient?.hidden.scalars ?? [Float](repeating: 0, count: n * h)
        var dc = [Float](repeating: 0, count: carriesCell ? n * h : 0)
        if carriesCell, let cell = finalStateGradient?.cell {
            precondition(cell.shape == [n, h], "\(Self.self): final cell gradient \(cell.shape)")
            dc = cell.scalars
        }
        var dPre = trace.gates  // overwritten row by row with the pre-activation gradients
        var recurrent = [Float](repeating: 0, count: n * h)
        let stride = (t + 1) * h
        dy.withUnsafeBufferPointer { dyp in
            weightHH.withUnsafeBufferPointer { w in
                trace.cells.withUnsafeBufferPointer { cs in
                    dPre.withUnsafeMutableBufferPointer { dp in
                        dh.withUnsafeMutableBufferPointer { dhp in
                            dc.withUnsafeMutableBufferPointer { dcp in
                                for step in (0..<t).reversed() {
                                    for s in 0..<n {
                                        let row = dp.baseAddress! + (s * t + step) * gh
                                        guard step < trace.lengths[s] else {
                                            row.update(repeating: 0, count: gh)  // padded: nothing flows back
                                            continue
                                        }
                                        for j in 0..<h { dhp[s * h + j] += dyp[(s * t + step) * h + j] }
                                        let previous = s * stride + step * h
                                        cellBackward(gates: row, previousCell: carriesCell ? cs.baseAddress! + previous : nil,
                                                     cell: carriesCell ? cs.baseAddress! + previous + h : nil,
                                                     hiddenGradient: dhp.baseAddress! + s * h,
                                                     cellGradient: carriesCell ? dcp.baseAddress! + s * h : nil, size: h)
                                    }
                                    // dh_{step} = dPre[:, step] W_hh for the sequences valid here.
                                    recurrent.withUnsafeMutableBufferPointer { r in
                                        BLAS.gemm(m: n, n: h, k: gh, a: dp.baseAddress! + step * gh, lda: t * gh,
                                                  b: w.baseAddress!, ldb: h, c: r.baseAddress!, ldc: h)
                                        for s in 0..<n where step < trace.lengths[s] {
                                            for j in 0..<h { dhp[s * h + j] = r[s * h + j] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let dPreTensor = Tensor(shape: [n * t, gh], scalars: dPre)
        if gradients.wants("weight_ih") {
            gradients.accumulate("weight_ih", Tensor.matmul(dPreTensor, input.reshaped([n * t, input.shape[2]]), transposeA: true))
        }
        if gradients.wants("weight_hh") {
            var dW = Tensor(zeros: [gh, h])
            dPre.withUnsafeBufferPointer { dp in
                trace.hiddens.withUnsafeBufferPointer { hs in
                    dW.withUnsafeMutableBufferPointer { d in
                        for step in 0..<t {
                            BLAS.gemm(transposeA: true, m: gh, n: h, k: n, a: dp.baseAddress! + step * gh, lda: t * gh,
                                      b: hs.baseAddress! + step * h, ldb: stride, beta: 1, c: d.baseAddress!, ldc: h)
                        }
                    }
                }
            }
            gradients.accumulate("weight_hh", dW)
        }
        if gradients.wants("bias_ih") || gradients.wants("bias_hh") {
            let db = dPreTensor.sum(alongAxis: 0)
            gradients.accumulate("bias_ih", db)
            gradients.accumulate("bias_hh", db)
        }
        let dx = gradients.needsInputGradient
            ? Tensor.matmul(dPreTensor, weightIH).reshaped(input.shape)
            : Tensor(zeros: input.shape)
        let initial = RecurrentState(hidden: Tensor(shape: [n, h], scalars: dh),
                                     cell: carriesCell ? Tensor(shape: [n, h], scalars: dc) : nil)
        return (dx, initial)
    }
}
