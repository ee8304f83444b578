// LSTM: one layer of PyTorch's `nn.LSTM` (batch_first), with fused gates (Hochreiter &
// Schmidhuber 1997, with the forget gate of Gers et al. 2000; the seed text's TimeLSTM).
//
// With pre = x W_ih^T + b_ih + h W_hh^T + b_hh split into four [N, H] blocks in PyTorch's order:
//   i = sigmoid(pre_i), f = sigmoid(pre_f), g = tanh(pre_g), o = sigmoid(pre_o)
//   c' = f * c + i * g,  h' = o * tanh(c')
// The time loop, padding, BPTT and the parameter names are `RecurrentLayer`'s.

import Foundation
import GlimpseTensor

/// One LSTM layer over `[N, T, I]` -> `[N, T, H]`: `weight_ih` `[4H, I]`, `weight_hh` `[4H, H]`,
/// `bias_ih` and `bias_hh` `[4H]`, gates in PyTorch's order i, f, g, o.
public struct LSTM: RecurrentLayer {
    /// Four gates: input, forget, cell candidate, output.
    public static var gateCount: Int { 4 }
    /// The LSTM carries a cell state.
    public static var carriesCell: Bool { true }
    /// `[4H, I]`, named `weight_ih`.
    public var weightIH: Tensor
    /// `[4H, H]`, named `weight_hh`.
    public var weightHH: Tensor
    /// `[4H]`, named `bias_ih`.
    public var biasIH: Tensor
    /// `[4H]`, named `bias_hh`.
    public var biasHH: Tensor

    /// Creates the layer from existing parameters (`[4H, I]`, `[4H, H]`, `[4H]`, `[4H]`).
    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor) {
        Self.checkParameters(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
        (self.weightIH, self.weightHH, self.biasIH, self.biasHH) = (weightIH, weightHH, biasIH, biasHH)
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// The gates and the new cell and hidden state of one row (see `RecurrentLayer`).
    public static func cellForward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                                   cell: UnsafeMutablePointer<Float>?, hidden: UnsafeMutablePointer<Float>, size h: Int) {
        let (previousCell, cell) = (previousCell!, cell!)
        for j in 0..<h {
            let i = sigmoid(gates[j]), f = sigmoid(gates[h + j])
            let g = Foundation.tanh(gates[2 * h + j]), o = sigmoid(gates[3 * h + j])
            (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j]) = (i, f, g, o)
            let c = f * previousCell[j] + i * g
            cell[j] = c
            hidden[j] = o * Foundation.tanh(c)
        }
    }

    /// The pre-activation gradient of one row and dL/dc_{t-1} (see `RecurrentLayer`).
    public static func cellBackward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                                    cell: UnsafePointer<Float>?, hiddenGradient: UnsafePointer<Float>,
                                    cellGradient: UnsafeMutablePointer<Float>?, size h: Int) {
        let (previousCell, cell, dc) = (previousCell!, cell!, cellGradient!)
        for j in 0..<h {
            let (i, f, g, o) = (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j])
            let tanhC = Foundation.tanh(cell[j])
            let dh = hiddenGradient[j]
            let dcTotal = dc[j] + dh * o * (1 - tanhC * tanhC)
            let (di, df, dg, dO) = (dcTotal * g, dcTotal * previousCell[j], dcTotal * i, dh * tanhC)
            gates[j] = di * i * (1 - i)
            gates[h + j] = df * f * (1 - f)
            gates[2 * h + j] = dg * (1 - g * g)
            gates[3 * h + j] = dO * o * (1 - o)
            dc[j] = dcTotal * f
        }
    }
}
