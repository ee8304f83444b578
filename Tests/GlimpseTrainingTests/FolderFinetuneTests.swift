// Fine-tuning on a folder of class subfolders: the same images as PNG files train exactly like
// their IDX originals, and SqueezeNet's head is fine-tuned from the command line with the
// backbone left bit for bit as shipped.

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("Fine-tuning on image folders", .serialized)
struct FolderFinetuneTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Writes MNIST training images `0..<count` as `DIR/<digit>/<index>.png`.
    static func exportMNIST(count: Int, to root: String) throws -> MNISTDataset {
        let set = try MNISTDataset(directory: mnistDirectory, split: .train).subset(0..<count)
        for index in 0..<count {
            let folder = root + "/\(set.labels[index])"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let pixels = Array(set.images[(index * 784)..<((index + 1) * 784)])
            try ImageFile.write(Image(width: 28, height: 28, channels: 1, pixels: pixels),
                                to: folder + "/" + String(format: "%05d.png", index))
        }
        return set
    }

    @Test func pngFoldersTrainBitForBitLikeTheirIDXImages() throws {
        let root = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let idx = try Self.exportMNIST(count: 120, to: root)
        let folder = try ImageFolderDataset(directory: root, preprocessing: Architecture.deepconvnet.defaultPreprocessing)
        #expect(folder.count == 120 && folder.classNames == (0..<10).map(String.init))
        // The IDX images in the folder's (interleaved) order, so both runs see the same batches.
        let order = folder.files.map { Int($0.split(separator: "/")[1].prefix(5))! }
        let reordered = MNISTDataset(images: order.flatMap { Array(idx.images[($0 * 784)..<(($0 + 1) * 784)]) },
                                     labels: order.map { idx.labels[$0] })
        #expect(reordered.batch(0..<120).images == folder.batch(0..<120).images)

        var config = TrainingConfig()
        config.epochs = 1
        config.batchSize = 40
        config.validation = 20
        config.pretrained = FinetuneTests.pretrained
        config.newHead = ["fc2."]
        config.freeze = ["conv1.", "conv2."]
        var fromIDX = try ClassifierTrainer(config: config, trainSet: reordered)
        var fromFolder = try ClassifierTrainer(config: config, trainSet: folder)
        let a = fromIDX.trainEpoch()
        let b = fromFolder.trainEpoch()
        #expect(a.loss == b.loss && a.validationAccuracy == b.validationAccuracy)
        #expect(fromIDX.model.parameters == fromFolder.model.parameters)
    }

    @Test func squeezeNetHeadIsFineTunedOnAFolderFromTheCommandLine() throws {
        let root = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Two classes of real photos: crops of the cat and of the coffee cup.
        let samples = Self.repository.appendingPathComponent("datasets/samples").path
        for (name, file) in [("cat", "chelsea.png"), ("cup", "coffee.png")] {
            let photo = try ImageFile.read(samples + "/" + file)
            for (k, x) in [0, 40, 80].enumerated() {
                try FileManager.default.createDirectory(atPath: root + "/train/" + name, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: root + "/test/" + name, withIntermediateDirectories: true)
                let crop = photo.cropped(x: x, y: 20, width: 200, height: 200)
                try ImageFile.write(crop, to: root + "/train/\(name)/\(k).jpg")
                if k == 1 { try ImageFile.write(crop.flippedHorizontally(), to: root + "/test/\(name)/flip.png") }
            }
        }
        try "a note".write(toFile: root + "/train/cat/notes.txt", atomically: true, encoding: .utf8)
        let output = root + "/tuned.safetensors"
        let shipped = Self.repository.appendingPathComponent("datasets/weights/squeezenet1_1.safetensors").path
        let result = try runGlimpse(["finetune", "--model", "squeezenet", "--weights", shipped, "--data", root + "/train",
                                     "--test", root + "/test", "--freeze", "all-but-head", "--epochs", "3",
                                     "--batch-size", "6", "--learning-rate", "0.001",
                                     "--output", output, "--quiet", "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("test accuracy"), "\(result.stdout)")
        let tuned = try SafetensorsFile(contentsOf: URL(fileURLWithPath: output))
        let original = try SafetensorsFile(contentsOf: URL(fileURLWithPath: shipped))
        #expect(tuned.metadata["classes"] == "cat\ncup")
        #expect(tuned.metadata["train.augment"] == "false", "no digit jitter on colour photos by default")
        #expect(tuned.metadata["preprocess.channel_order"] == "BGR" && tuned.metadata["preprocess.input_size"] == "227")
        let (after, before) = (try tuned.tensors(), try original.tensors())
        #expect(after["conv10.weight"]?.shape == [2, 512, 1, 1])
        for (name, tensor) in before where !name.hasPrefix("conv10.") {
            #expect(after[name] == tensor, "\(name) is frozen")
        }
        // The fine-tuned head separates the two photos' held-out flips.
        #expect(result.stdout.contains("test accuracy 100.00% (2/2)"), "\(result.stdout)")
    }

    @Test func aFolderWithoutClassSubfoldersIsRefusedNamingIt() throws {
        let root = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try ImageFile.write(Image(width: 8, height: 8, fill: [5]), to: root + "/a.png")
        let result = try runGlimpse(["finetune", "--data", root, "--epochs", "1", "--quiet"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(root) && result.stderr.contains("no class subfolders"), "\(result.stderr)")
    }
}
