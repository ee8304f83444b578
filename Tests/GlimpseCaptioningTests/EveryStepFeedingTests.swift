// Every-step image feeding ("par-inject"): the LSTM reads [word; image] at every step. Its
// gradient check is in NICNetworkTests (with the other feedings); here the decoding properties
// under it (beam 1 equals greedy, decoding images together equals decoding each alone, the forced
// prefix probe agrees with beam search's first step), the network's shapes, and the mode's round
// trip through a trained weights file.

import Foundation
import GlimpseCaptioning
import GlimpseDatasets
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import Testing

private let vocabulary = CaptionVocabulary(words: CaptionVocabulary.specials + ["a", "b", "c", "d", "e"], minimumCount: 1)

/// Five images' features for the tiny every-step network (seeded, in [-2, 2] so captions differ).
private func everyStepFeatures(_ network: NICNetwork) -> Tensor {
    var random = SeededGenerator(seed: 21)
    return Tensor(shape: [5, network.featureSize]) { _ in random.nextUniform() * 4 - 2 }
}

@Suite("Every-step image feeding")
struct EveryStepFeedingTests {
    @Test func theRecurrentLayerReadsTheWordAndTheImage() {
        let network = tinyNIC(cell: .lstm, feeding: .everyStep, dropout: 0)
        #expect(network.imageEmbedding.weight.shape == [5, network.featureSize])
        #expect(network.lstm!.weightIH.shape == [16, 10])
        #expect(tinyNIC(cell: .lstm, feeding: .firstInput, dropout: 0).lstm!.weightIH.shape == [16, 5])
    }

    @Test func beamWidthOneEqualsGreedy() {
        let network = tinyNIC(cell: .lstm, feeding: .everyStep, dropout: 0)
        let decoder = NICDecoder(network: network, vocabulary: vocabulary)
        let features = everyStepFeatures(network)
        let beam = BeamSearch(beamWidth: 1, maxLength: 6).decode(decoder, features: features, count: 1)
        let greedy = GreedyDecoder(maxLength: 6).decode(decoder, features: features)
        #expect(beam.map { $0[0] } == greedy)
        #expect(Set(greedy.map(\.tokens)).count > 1, "the images should not all get one caption: \(greedy.map(\.tokens))")
    }

    @Test func decodingTogetherEqualsDecodingEachAlone() {
        let network = tinyNIC(cell: .lstm, feeding: .everyStep, dropout: 0)
        let decoder = NICDecoder(network: network, vocabulary: vocabulary)
        let features = everyStepFeatures(network)
        let d = network.featureSize
        let search = BeamSearch(beamWidth: 3, maxLength: 6)
        let together = search.decode(decoder, features: features, count: 3)
        for image in 0..<5 {
            let row = Tensor(shape: [1, d], scalars: Array(features.scalars[(image * d)..<((image + 1) * d)]))
            let alone = search.decode(decoder, features: row, count: 3)[0]
            #expect(alone.map(\.tokens) == together[image].map(\.tokens), "image \(image)")
            for (a, b) in zip(alone, together[image]) { #expect(abs(a.logProbability - b.logProbability) < 1e-5) }
        }
    }

    @Test func theProbeGivesTheFirstStepsDistribution() {
        // Through an empty prefix the probe is the first step after <s>; through the greedy
        // caption's first word it ranks the greedy second word first.
        let network = tinyNIC(cell: .lstm, feeding: .everyStep, dropout: 0)
        let decoder = NICDecoder(network: network, vocabulary: vocabulary)
        let features = everyStepFeatures(network)
        let first = decoder.step(tokens: [Int](repeating: 1, count: 5), state: decoder.start(features)).logProbabilities
        #expect(NextWordProbe().logProbabilities(decoder, features: features, prefix: []) == first)
        let greedy = GreedyDecoder(maxLength: 6).decode(decoder, features: features)
        for (image, caption) in greedy.enumerated() where caption.tokens.count >= 2 {
            let d = network.featureSize
            let row = Tensor(shape: [1, d], scalars: Array(features.scalars[(image * d)..<((image + 1) * d)]))
            let scores = NextWordProbe().logProbabilities(decoder, features: row, prefix: [caption.tokens[0]])
            #expect(NextWordProbe.best(scores, top: 1)[0][0].token == caption.tokens[1])
        }
    }

    @Test func theModeTravelsInTheWeightsFile() throws {
        let directory = try writeScenes(count: 4, seed: 8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try trainCaptionSet(in: directory)
        var config = smallCaptionConfig(epochs: 1)
        config.feeding = .everyStep
        var run = try CaptionTraining(config: config, training: set, validation: nil)
        let output = directory + "/nic.safetensors"
        try run.run(checkpoint: URL(fileURLWithPath: directory + "/c.ckpt"), resume: false, output: URL(fileURLWithPath: output))
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: output))
        #expect(file.metadata["captioner.feeding"] == "every-step")
        let captioner = try NICCaptioner(weights: output, beam: 3)
        #expect(captioner.description.feeding == .everyStep && captioner.network.feeding == .everyStep)
        #expect(captioner.network.lstm!.weightIH.shape == [4 * config.hidden, 2 * config.embedding])
        // The loaded captioner decodes as the trained network does.
        let trained = NICDecoder(network: run.trainer.model, vocabulary: run.trainer.task.vocabulary)
        let features = captioner.network.features(of: set.examples.map(\.image), preprocessing: captioner.description.preprocessing)
        let expected = BeamSearch(beamWidth: 3, maxLength: config.maxLength).decode(trained, features: features, count: 1)
        #expect(captioner.captions(of: set.examples.map(\.image), count: 1).map { $0[0].text }
                == expected.map { run.trainer.task.vocabulary.text(of: $0[0].tokens) })
    }
}
