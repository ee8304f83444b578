// Resume equivalence: a run interrupted after an epoch and resumed from its checkpoint file
// ends with exactly the weights, optimizer state and generator of an uninterrupted run.

import Foundation
import GlimpseDatasets
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining
import Testing

/// The project's MNIST copy, found from this file's location.
let mnistDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../datasets/mnist").standardized.path

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Training resume", .serialized)
struct ResumeTests {
    static func smallConfig() -> MNISTTrainingConfig {
        var config = MNISTTrainingConfig()
        config.epochs = 2
        config.batchSize = 50
        config.limit = 400
        config.validation = 100
        config.seed = 11
        config.schedule = "cosine"
        config.warmupEpochs = 1
        return config
    }

    @Test(arguments: [OptimizerChoice.Kind.adam, .momentum])
    func resumedRunEqualsUninterruptedRun(optimizer: OptimizerChoice.Kind) throws {
        let trainSet = try MNISTDataset(directory: mnistDirectory, split: .train)
        var config = Self.smallConfig()
        config.optimizer = OptimizerChoice(optimizer)

        var uninterrupted = try MNISTTrainer(config: config, trainSet: trainSet)
        _ = uninterrupted.trainEpoch()
        _ = uninterrupted.trainEpoch()

        // The "killed" run: one epoch, its checkpoint on disk, then the process is gone.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.checkpoint.safetensors")
        do {
            var first = try MNISTTrainer(config: config, trainSet: trainSet)
            _ = first.trainEpoch()
            try first.checkpoint().write(to: path)
        }
        var resumed = try MNISTTrainer(config: config, trainSet: trainSet)
        try resumed.resume(from: Checkpoint(contentsOf: path), path: path.path)
        #expect(resumed.epoch == 1 && resumed.step == 6)
        _ = resumed.trainEpoch()

        #expect(resumed.model.state == uninterrupted.model.state)
        #expect(resumed.optimizer.name == optimizer.rawValue)
        #expect(!resumed.optimizer.state.isEmpty && resumed.optimizer.state == uninterrupted.optimizer.state)
        #expect(resumed.random == uninterrupted.random)
        #expect(resumed.step == uninterrupted.step)
        // And the run actually trained: the weights moved from their initial values.
        #expect(resumed.model.state != DeepConvNet.make(seed: config.seed).state)
    }

    @Test func resumeRefusesDifferentSettings() throws {
        let trainSet = try MNISTDataset(directory: mnistDirectory, split: .train)
        var config = Self.smallConfig()
        config.epochs = 1
        var trainer = try MNISTTrainer(config: config, trainSet: trainSet)
        _ = trainer.trainEpoch()
        let checkpoint = trainer.checkpoint()
        config.seed = 12
        var other = try MNISTTrainer(config: config, trainSet: trainSet)
        #expect(throws: TrainingError.checkpointMismatch(path: "x", key: "train.seed", checkpoint: "11", requested: "12")) {
            try other.resume(from: checkpoint, path: "x")
        }
    }

    @Test func commandLineResumeWithAnotherOptimizerFailsNamingTheCheckpoint() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("net.safetensors").path
        let common = ["train", "mnist", "--data", mnistDirectory, "--epochs", "1", "--limit", "300", "--validation", "100",
                      "--output", output, "--quiet", "--threads", "2"]
        let first = try runGlimpse(common + ["--optimizer", "momentum", "--momentum", "0.8"])
        #expect(first.status == 0, "\(first.stderr)")
        let weights = try SafetensorsFile(contentsOf: URL(fileURLWithPath: output)).metadata
        #expect(weights["train.optimizer"] == "momentum" && weights["train.optimizer.momentum"] == "0.8")
        #expect(weights["train.augment"] == "true", "digit augmentation is on by default for IDX digits")
        let again = try runGlimpse(common + ["--resume"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("net.checkpoint.safetensors") && again.stderr.contains("optimizer momentum")
                && again.stderr.contains("asks for adam"), "\(again.stderr)")
    }

    @Test func brokenCheckpointNamesTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.safetensors")
        // A valid safetensors file that is not a checkpoint: the error says which field is missing.
        try DeepConvNet.make(seed: 1).save(to: path)
        do {
            _ = try Checkpoint(contentsOf: path)
            Issue.record("a weights file was accepted as a checkpoint")
        } catch let error as CheckpointError {
            #expect(error.path == path.path)
            #expect(error.problem.contains("checkpoint.epoch"))
        }
    }
}
