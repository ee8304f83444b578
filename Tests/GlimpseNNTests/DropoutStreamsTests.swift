// DropoutStreamsTests: dropout's per-example streams (`ForwardContext(random:firstExample:)`): a
// row's mask depends only on its example number and the layer's ordinal, not on the rows beside
// it, which is what lets data-parallel ranks draw what one process draws; the in-order context
// still draws every element from its generator in order.

import Testing
import GlimpseTensor
@testable import GlimpseNN

@Suite struct DropoutStreamsTests {
    /// The masks (as 0 / scale values) `layers` dropout layers draw, one after the other, for
    /// `rows` rows of 10 ones starting at example `first`.
    static func masks(rows: Int, first: Int, layers: Int, seed: UInt64) -> [[Float]] {
        var context = ForwardContext(random: SeededGenerator(seed: seed), firstExample: first)
        var dropout = Dropout(probability: 0.5)
        return (0..<layers).map { _ in dropout.forward(Tensor(shape: [rows, 10], scalars: [Float](repeating: 1, count: rows * 10)), context: &context).output.scalars }
    }

    @Test func aRowsMaskDependsOnlyOnItsExample() {
        let whole = Self.masks(rows: 6, first: 0, layers: 2, seed: 7)
        let tail = Self.masks(rows: 4, first: 2, layers: 2, seed: 7)
        for layer in 0..<2 {
            #expect(Array(whole[layer][20...]) == tail[layer])
            #expect(Set(whole[layer]) == [0, 2])
        }
        // the second layer draws other masks than the first, another seed other masks again
        #expect(whole[0] != whole[1])
        #expect(Self.masks(rows: 6, first: 0, layers: 1, seed: 8)[0] != whole[0])
    }

    @Test func theInOrderContextDrawsEveryElementFromItsGenerator() {
        var context = ForwardContext(random: SeededGenerator(seed: 3))
        var dropout = Dropout(probability: 0.25)
        let output = dropout.forward(Tensor(shape: [3, 5], scalars: [Float](repeating: 1, count: 15)), context: &context).output.scalars
        var generator = SeededGenerator(seed: 3)
        let expected = (0..<15).map { _ in generator.nextUniform() < 0.75 ? Float(1) / 0.75 : 0 }
        #expect(output == expected)
        #expect(context.random == generator)
        #expect(context.exampleStreams(count: 2) == nil)
    }
}
