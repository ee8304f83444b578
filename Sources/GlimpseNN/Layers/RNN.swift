// RNN: one layer of PyTorch's `nn.RNN` with tanh (batch_first; Elman 1990, the seed text's
// TimeRNN), the plain recurrent baseline for the captioning ablation:
//   h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
// The time loop, padding, BPTT and the parameter names are `RecurrentLayer`'s.

import Foundation
import GlimpseTensor

/// One tanh RNN layer over `[N, T, I]` -> `[N, T, H]`: `weight_ih` `[H, I]`, `weight_hh` `[H, H]`,
/// `bias_ih` and `bias_hh` `[H]`; its state has no cell.
public struct RNN: RecurrentLayer {
    /// One gate: the new hidden state itself.
    public static var gateCount: Int { 1 }
    /// The plain RNN carries only a hidden state.
    public static var carriesCell: Bool { false }
    /// `[H, I]`, named `weight_ih`.
    public var weightIH: Tensor
    /// `[H, H]`, named `weight_hh`.
    public var weightHH: Tensor
    /// `[H]`, named `bias_ih`.
    public var biasIH: Tensor
    /// `[H]`, named `bias_hh`.
    public var biasHH: Tensor

    /// Creates the layer from existing parameters (`[H, I]`, `[H, H]`, `[H]`, `[H]`).
    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor) {
        Self.checkParameters(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
        (self.weightIH, self.weightHH, self.biasIH, self.biasHH) = (weightIH, weightHH, biasIH, biasHH)
    }

    /// h' = tanh(pre) for one row (see `RecurrentLayer`).
    public static func cellForward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                                   cell: UnsafeMutablePointer<Float>?, hidden: UnsafeMutablePointer<Float>, size h: Int) {
        for j in 0..<h {
            gates[j] = Foundation.tanh(gates[j])
            hidden[j] = gates[j]
        }
    }

    /// dL/dpre = dL/dh' (1 - h'^2) for one row (see `RecurrentLayer`).
    public static func cellBackward(gates: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>?,
                                    cell: UnsafePointer<Float>?, hiddenGradient: UnsafePointer<Float>,
                                    cellGradient: UnsafeMutablePointer<Float>?, size h: Int) {
        for j in 0..<h { gates[j] = hiddenGradient[j] * (1 - gates[j] * gates[j]) }
    }
}
