// The classification report: accuracy and the confusion matrix.

import GlimpseNN
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("Evaluation")
struct EvaluationTests {
    /// A "model" that returns its input as logits.
    struct Identity: Layer {
        func callAsFunction(_ input: Tensor) -> Tensor { input }
        mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
            (input, { dy, _ in dy })
        }
    }

    @Test func confusionMatrixCountsTruthByPrediction() {
        // Logits pick classes 0, 1, 1, 2; truths are 0, 1, 2, 2.
        let logits = Tensor(shape: [4, 3], scalars: [9, 0, 0, 0, 9, 0, 0, 9, 0, 0, 0, 9])
        let report = ClassifierEvaluation.evaluate(Identity(), count: 4, classes: 3, batchSize: 3) { range in
            (logits.items(range), Array([0, 1, 2, 2][range]))
        }
        #expect(report.total == 4 && report.correct == 3 && report.accuracy == 0.75)
        #expect(report.confusion == [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
        #expect(report.formattedConfusion().split(separator: "\n").count == 4)
    }
}
