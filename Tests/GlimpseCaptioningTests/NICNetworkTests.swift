// NIC's teacher-forced loss: gradients of every parameter, of the features and of the CNN by
// central differences (LSTM and RNN, the three image feedings, with dropout on a fixed mask), the
// masking of padded steps, and the decoder's agreement with the training forward.

import GlimpseCaptioning
import GlimpseNN
import GlimpseTensor
import Testing

/// A tiny smooth CNN: 3x8x8 -> conv 3x3 (2 channels, padding 1) -> tanh -> [2, 8, 8]; pooled to
/// an 8x8 grid the max pool is the identity, so there is no kink for the check to cross.
func tinyCNN(seed: UInt64) -> Sequential {
    var random = SeededGenerator(seed: seed)
    return Sequential([("conv1", Conv2D(inChannels: 3, outChannels: 2, kernelSize: 3, padding: 1, random: &random)), ("tanh1", Tanh())])
}

func tinyNIC(cell: CaptionCell, feeding: ImageFeeding, dropout: Float, grid: Int = 8) -> NICNetwork {
    NICNetwork(cnn: tinyCNN(seed: 3), inputSize: 8, grid: grid, vocabulary: 9, embedding: 5, hidden: 4, cell: cell, feeding: feeding,
               dropout: dropout, seed: 7)
}

let tinyCaptions = [[4, 5, 6], [7], [8, 4, 4, 5, 6]]

/// The loss at `network` with dropout masks drawn from a fixed seed.
func nicLoss(_ network: NICNetwork, features: Tensor) -> Float {
    var copy = network
    var context = ForwardContext(random: SeededGenerator(seed: 11))
    var gradients = Gradients()
    return copy.sequenceLossAndGradients(features: features, captions: tinyCaptions, startID: 1, endID: 2,
                                         context: &context, gradients: &gradients).loss
}

func tinyFeatures(_ network: NICNetwork) -> Tensor {
    var random = SeededGenerator(seed: 5)
    return Tensor(shape: [3, network.featureSize]) { _ in random.nextUniform() * 2 - 1 }
}

@Suite("NIC network")
struct NICNetworkTests {
    @Test(arguments: [(CaptionCell.lstm, ImageFeeding.firstInput), (.lstm, .initialState), (.rnn, .firstInput), (.rnn, .initialState),
                      (.lstm, .everyStep), (.rnn, .everyStep)])
    func gradientsMatchCentralDifferences(cell: CaptionCell, feeding: ImageFeeding) {
        let network = tinyNIC(cell: cell, feeding: feeding, dropout: 0.25)
        let features = tinyFeatures(network)
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 11))
        var gradients = Gradients(frozenPrefixes: ["cnn."])
        let step = copy.sequenceLossAndGradients(features: features, captions: tinyCaptions, startID: 1, endID: 2,
                                                 context: &context, gradients: &gradients)
        #expect(step.tokens == 3 + 1 + 5 + 3)
        let eps: Float = 1e-2
        var checked = 0
        for (name, tensor) in network.parameters where !name.hasPrefix("cnn.") {
            guard let analytic = gradients[name] else {
                Issue.record("no gradient for \(name)")
                continue
            }
            for index in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 7)) {
                var plus = network, minus = network
                plus.updateParameters { n, t in if n == name { t.withUnsafeMutableBufferPointer { $0[index] += eps } } }
                minus.updateParameters { n, t in if n == name { t.withUnsafeMutableBufferPointer { $0[index] -= eps } } }
                let numeric = (nicLoss(plus, features: features) - nicLoss(minus, features: features)) / (2 * eps)
                let exact = analytic.scalars[index]
                #expect(abs(numeric - exact) <= 2e-3 + 2e-2 * abs(exact), "\(name)[\(index)]: numeric \(numeric), analytic \(exact)")
                checked += 1
            }
        }
        #expect(checked > 40)
        for index in stride(from: 0, to: features.count, by: 13) {
            var plus = features, minus = features
            plus.withUnsafeMutableBufferPointer { $0[index] += eps }
            minus.withUnsafeMutableBufferPointer { $0[index] -= eps }
            let numeric = (nicLoss(network, features: plus) - nicLoss(network, features: minus)) / (2 * eps)
            let exact = step.featureGradient.scalars[index]
            #expect(abs(numeric - exact) <= 2e-3 + 2e-2 * abs(exact), "features[\(index)]: numeric \(numeric), analytic \(exact)")
        }
        #expect(gradients["cnn.conv1.weight"] == nil, "the frozen CNN got a gradient")
    }

    @Test func cnnGradientsWhenFineTuning() {
        let network = tinyNIC(cell: .lstm, feeding: .firstInput, dropout: 0)
        var random = SeededGenerator(seed: 9)
        let images = Tensor(shape: [3, 3, 8, 8]) { _ in random.nextUniform() }
        func loss(_ n: NICNetwork) -> Float { nicLoss(n, features: n(images)) }
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 11))
        var gradients = Gradients()
        let (features, pullback) = copy.forward(images, context: &context)
        #expect(features.shape == [3, network.featureSize])
        let step = copy.sequenceLossAndGradients(features: features, captions: tinyCaptions, startID: 1, endID: 2,
                                                 context: &context, gradients: &gradients)
        _ = pullback(step.featureGradient, &gradients)
        let analytic = gradients["cnn.conv1.weight"]!
        let eps: Float = 1e-2
        for index in stride(from: 0, to: analytic.count, by: 5) {
            var plus = network, minus = network
            plus.updateParameters { n, t in if n == "cnn.conv1.weight" { t.withUnsafeMutableBufferPointer { $0[index] += eps } } }
            minus.updateParameters { n, t in if n == "cnn.conv1.weight" { t.withUnsafeMutableBufferPointer { $0[index] -= eps } } }
            let numeric = (loss(plus) - loss(minus)) / (2 * eps)
            #expect(abs(numeric - analytic.scalars[index]) <= 2e-3 + 2e-2 * abs(analytic.scalars[index]),
                    "cnn.conv1.weight[\(index)]: numeric \(numeric), analytic \(analytic.scalars[index])")
        }
    }

    @Test func paddingDoesNotChangeACaptionsLoss() {
        // A caption's loss alone equals its share of the batch loss: padded steps count for nothing.
        let network = tinyNIC(cell: .lstm, feeding: .firstInput, dropout: 0)
        let features = tinyFeatures(network)
        func loss(_ rows: [Int]) -> (Float, Int) {
            var copy = network
            var context = ForwardContext(random: SeededGenerator(seed: 1))
            var gradients = Gradients()
            let f = Tensor(shape: [rows.count, network.featureSize]) { i in features.scalars[rows[i / network.featureSize] * network.featureSize + i % network.featureSize] }
            let s = copy.sequenceLossAndGradients(features: f, captions: rows.map { tinyCaptions[$0] }, startID: 1, endID: 2,
                                                  context: &context, gradients: &gradients)
            return (s.loss, s.tokens)
        }
        let all = loss([0, 1, 2])
        let parts = [loss([0]), loss([1]), loss([2])]
        let weighted = parts.reduce(Float(0)) { $0 + $1.0 * Float($1.1) } / Float(all.1)
        #expect(abs(all.0 - weighted) < 1e-5)
    }

    @Test(arguments: [ImageFeeding.firstInput, .initialState, .everyStep])
    func decoderStepsGiveTheTrainingLoss(feeding: ImageFeeding) {
        // Feeding a caption word by word through the decoder gives the same per-token
        // log-probabilities as the teacher-forced pass (no dropout).
        let network = tinyNIC(cell: .lstm, feeding: feeding, dropout: 0)
        let vocabulary = CaptionVocabulary(words: CaptionVocabulary.specials + ["a", "b", "c", "d", "e"], minimumCount: 1)
        let decoder = NICDecoder(network: network, vocabulary: vocabulary)
        let features = tinyFeatures(network)
        for (row, caption) in tinyCaptions.enumerated() {
            let f = Tensor(shape: [1, network.featureSize], scalars: Array(features.scalars[(row * network.featureSize)..<((row + 1) * network.featureSize)]))
            var state = decoder.start(f)
            var total: Float = 0
            for (fed, next) in zip([1] + caption, caption + [2]) {
                let (logP, after) = decoder.step(tokens: [fed], state: state)
                total -= logP.scalars[next]
                state = after
            }
            let single = nicLoss1(network, f, caption)
            #expect(abs(total / Float(caption.count + 1) - single) < 1e-4)
        }
    }
}

func nicLoss1(_ network: NICNetwork, _ features: Tensor, _ caption: [Int]) -> Float {
    var copy = network
    var context = ForwardContext(random: SeededGenerator(seed: 1))
    var gradients = Gradients()
    return copy.sequenceLossAndGradients(features: features, captions: [caption], startID: 1, endID: 2, context: &context,
                                         gradients: &gradients).loss
}
