// The feature scale (`--normalize-features`): the network multiplies the pooled features by it
// before the image embedding, the backward scales the features' gradient by it, and it travels in
// the weights file's metadata only when it is not 1 (older files read as 1).

import GlimpseCaptioning
import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("Feature scale")
struct FeatureScaleTests {
    @Test(arguments: [ImageFeeding.firstInput, .everyStep])
    func aScaledNetworkIsTheUnscaledOneOnScaledFeatures(feeding: ImageFeeding) {
        let plain = tinyNIC(cell: .lstm, feeding: feeding, dropout: 0)
        var scaled = plain
        scaled.featureScale = 0.25
        let features = tinyFeatures(plain)
        func step(_ network: NICNetwork, _ f: Tensor) -> NICNetwork.SequenceStep {
            var copy = network
            var context = ForwardContext(random: SeededGenerator(seed: 1))
            var gradients = Gradients()
            return copy.sequenceLossAndGradients(features: f, captions: tinyCaptions, startID: 1, endID: 2, context: &context,
                                                 gradients: &gradients)
        }
        let a = step(scaled, features), b = step(plain, features * 0.25)
        #expect(a.loss == b.loss)
        for (x, y) in zip(a.featureGradient.scalars, b.featureGradient.scalars) { #expect(abs(x - 0.25 * y) <= 1e-6 + 1e-5 * abs(x)) }
        // The decoder scales too.
        let vocabulary = CaptionVocabulary(words: CaptionVocabulary.specials + ["a", "b", "c", "d", "e"], minimumCount: 1)
        #expect(GreedyDecoder(maxLength: 6).decode(NICDecoder(network: scaled, vocabulary: vocabulary), features: features)
                == GreedyDecoder(maxLength: 6).decode(NICDecoder(network: plain, vocabulary: vocabulary), features: features * 0.25))
        #expect(CaptionTraining.featureScale(of: Tensor(shape: [2, 2], scalars: [3, -3, 3, 3])) == Float(1) / 3)
    }

    @Test func theScaleTravelsInTheMetadataOnlyWhenItIsNotOne() throws {
        let vocabulary = CaptionVocabulary(words: CaptionVocabulary.specials + ["a", "b"], minimumCount: 1)
        let preprocessing = ImagePreprocessing(inputSize: 8, channelOrder: "RGB", mean: [0, 0, 0], std: [1, 1, 1])
        var description = CaptionerDescription(method: "nic", vocabulary: vocabulary, feeding: .everyStep, grid: 2,
                                               preprocessing: preprocessing, sharedBackbone: nil)
        #expect(description.metadata["captioner.feature_scale"] == nil)
        #expect(try CaptionerDescription(metadata: description.metadata, file: "x").featureScale == 1)
        description.featureScale = 0.0625
        let back = try CaptionerDescription(metadata: description.metadata, file: "x")
        #expect(back.featureScale == 0.0625 && back.feeding == .everyStep && back == description)
        var bad = description.metadata
        bad["captioner.feature_scale"] = "-1"
        #expect(throws: StageError.self) { try CaptionerDescription(metadata: bad, file: "bad.safetensors") }
    }
}
