// EvaluationErrorTests: the message of an evaluation error names the file, the entry and the cause.

import GlimpseEvaluation
import Testing

@Suite("Evaluation errors")
struct EvaluationErrorTests {
    @Test func messageNamesFileEntryAndCause() {
        let error = EvaluationError(.mismatch, file: "results.json", entry: "result 12", "image id 907 is not in the ground truth")
        #expect(error.description == "results.json: result 12: mismatch: image id 907 is not in the ground truth")
        let fileLevel = EvaluationError(.syntax, file: "captions.jsonl", "line 3 is not JSON")
        #expect(fileLevel.description == "captions.jsonl: syntax: line 3 is not JSON")
    }
}
