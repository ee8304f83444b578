// `glimpse caption IMAGE...`: captions of each image with their log-probabilities, from NIC
// weights, in one batched beam search over all the images.

import ArgumentParser
import Foundation
import GlimpseCaptioning
import GlimpseImaging

/// `glimpse caption`
struct CaptionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption",
        abstract: "Print the best captions of each image with their log-probabilities (NIC, batched beam search).",
        discussion: """
            All images are decoded together: every beam of every image goes through one LSTM step \
            per word. A file that cannot be read is reported and the rest are captioned; the exit \
            status is 1 when any failed.
            """)

    @Argument(help: "PNG or JPEG files.")
    var images: [String]
    @Option(help: "NIC weights written by glimpse train captioner.")
    var weights = "datasets/weights/nic-every-step-scenes.safetensors"
    @Option(help: "Beam width (1: greedy).")
    var beam = 3
    @Option(help: "Captions printed per image (at most the beam width).")
    var count = 1
    @Option(help: "Rank finished captions by logP / length^alpha (0: by logP).")
    var lengthNormalization: Float = 0
    @Flag(help: "Round weights and activations to Float16.")
    var halfPrecision = false
    @Option(help: ArgumentHelp("Instead of captions, print the most probable next words after this forced prefix (a diagnostic).",
                               valueName: "PREFIX"))
    var nextWords: String?
    @Option(help: "Next words printed per image with --next-words.")
    var top = 5
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Give at least one image.") }
        guard beam >= 1 else { throw ValidationError("--beam must be at least 1") }
        guard count >= 1 && count <= beam else { throw ValidationError("--count must be in 1...--beam (\(beam))") }
        guard lengthNormalization >= 0 else { throw ValidationError("--length-normalization must be >= 0") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        compute.apply()
        let captioner: NICCaptioner
        do {
            captioner = try NICCaptioner(weights: ProjectPaths.resolve(weights), beam: beam, lengthNormalization: lengthNormalization,
                                         halfPrecision: halfPrecision)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        var decoded = [(String, Image)]()
        var failures = 0
        for path in images {
            do {
                decoded.append((path, try ImageFile.read(path)))
            } catch {
                failures += 1
                printError("error: \(error)")
            }
        }
        if let nextWords {
            printNextWords(after: nextWords, captioner: captioner, images: decoded)
            if failures > 0 { throw ExitCode(1) }
            return
        }
        let results = captioner.captionsOrVerdicts(of: decoded.map(\.1), count: count)
        for ((path, _), result) in zip(decoded, results) {
            print("\(path):")
            if let verdict = result.verdict, verdict.outOfDomain {
                print(String(format: "  out of domain: feature distance %.2f > %.2f (unlike the training images; no caption)",
                             verdict.distance, verdict.threshold))
                continue
            }
            for caption in result.captions { print(String(format: "  %8.3f  %@", caption.logProbability, caption.text)) }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Prints the `top` next words of each image after `<s>` and `prefix` (teacher-forced), each
    /// with its probability, separated by two spaces.
    func printNextWords(after prefix: String, captioner: NICCaptioner, images: [(String, Image)]) {
        let vocabulary = captioner.description.vocabulary
        let ids = vocabulary.encode(prefix)
        print("after \"\(vocabulary.text(of: ids))\":")
        let features = captioner.network.features(of: images.map(\.1), preprocessing: captioner.description.preprocessing)
        let scores = NextWordProbe().logProbabilities(captioner.decoder, features: features, prefix: ids)
        for ((path, _), best) in zip(images, NextWordProbe.best(scores, top: top)) {
            print("\(path): " + best.map { String(format: "%@ %.4f", vocabulary.words[$0.token], expf($0.logProbability)) }.joined(separator: "  "))
        }
    }
}
