// Embedding: the lookup, the scatter of its backward (repeated ids add, the padding row gets
// nothing), and the central-difference check.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Embedding")
struct EmbeddingTests {
    /// Ids `[2, 3]` with a repeated id (4) and the padding id (0).
    static let ids = Tensor(shape: [2, 3], scalars: [4, 1, 4, 2, 0, 0])

    static func layer() -> Embedding {
        var random = SeededGenerator(seed: 3)
        return Embedding(vocabulary: 5, width: 3, paddingID: 0, random: &random)
    }

    @Test func looksUpRows() {
        let layer = Self.layer()
        let output = layer(Self.ids)
        #expect(output.shape == [2, 3, 3])
        for (row, id) in [4, 1, 4, 2, 0, 0].enumerated() {
            #expect(Array(output.scalars[(row * 3)..<(row * 3 + 3)]) == Array(layer.weight.scalars[(id * 3)..<(id * 3 + 3)]))
        }
        #expect(layer.weight.scalars[0..<3].allSatisfy { $0 == 0 })  // PyTorch zeroes the padding row
    }

    @Test func backwardScattersAndSkipsPadding() {
        var layer = Self.layer()
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (output, pullback) = layer.forward(Self.ids, context: &context)
        let dy = Tensor(shape: output.shape) { Float($0) }
        var gradients = Gradients()
        let dIds = pullback(dy, &gradients)
        #expect(dIds == Tensor(zeros: [2, 3]))
        let dW = gradients["weight"]!
        // Id 4 is read by rows 0 and 2; id 1 by row 1; id 2 by row 3; 3 by none; 0 is padding.
        #expect(Array(dW.scalars[12..<15]) == [6, 8, 10] as [Float])  // rows 0 and 2: (0, 1, 2) + (6, 7, 8)
        #expect(Array(dW.scalars[3..<6]) == [3, 4, 5])
        #expect(Array(dW.scalars[6..<9]) == [9, 10, 11])
        #expect(dW.scalars[0..<3].allSatisfy { $0 == 0 } && dW.scalars[9..<12].allSatisfy { $0 == 0 })
    }

    @Test func centralDifferences() {
        // The ids are not differentiable (their check compares zeros); the weight is. Without a
        // padding id: the padding row is read by the forward but, by design (PyTorch's
        // padding_idx), gets no gradient, so it would differ from central differences.
        let layer = Embedding(weight: Self.layer().weight)
        let result = gradientCheck(layer, input: Self.ids)
        #expect(result.passed(), "\(result)")
        #expect(Set(result.errors.keys) == ["input", "weight"])
    }
}
