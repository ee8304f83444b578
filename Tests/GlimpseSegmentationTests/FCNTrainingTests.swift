// FCN training on real photos as a format path: the two VOC 2011 photos shipped in
// datasets/samples with their real palette masks go through VOCFolder, SegmentationSet and
// FCNTask until FCN-8s gives their own masks back (mIoU >= 0.8); bad label maps are refused
// naming the file and the cause.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSegmentation
import GlimpseTensor
import GlimpseTraining
import Testing

/// A VOC folder (Annotations, JPEGImages, SegmentationClass) holding the shipped samples, in a temporary directory.
func sampleVOCFolder() throws -> String {
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("glimpse-voc-\(UUID().uuidString)").path
    for sub in ["Annotations", "JPEGImages", "SegmentationClass"] { try fm.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true) }
    let samples = segmentationTestsRoot + "/datasets/samples/"
    for stem in ["2011_000003", "2011_000025"] {
        try fm.copyItem(atPath: samples + stem + ".xml", toPath: root + "/Annotations/" + stem + ".xml")
        try fm.copyItem(atPath: samples + stem + ".jpg", toPath: root + "/JPEGImages/" + stem + ".jpg")
        try fm.copyItem(atPath: samples + stem + "-mask.png", toPath: root + "/SegmentationClass/" + stem + ".png")
    }
    return root
}

@Suite("FCN training", .serialized)
struct FCNTrainingTests {
    @Test func overfitsTheRealVOCPhotos() throws {
        let root = try sampleVOCFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = try VOCFolder(directory: root)
        let loaded = try SegmentationSet.load(source: folder, sourceName: root, indices: [0, 1])
        #expect(loaded.classes.count == 21)
        // Brought to 96 px so that the test trains in seconds; the label maps by nearest neighbour.
        let set = SegmentationSet(classes: loaded.classes, examples: loaded.examples.map {
            SegmentationExample(name: $0.name, image: $0.image.resized(width: 96, height: 96), labelMap: $0.labelMap.resized(width: 96, height: 96))
        }, sourceName: root)
        var config = SegmenterTrainingConfig()
        config.variant = .fcn8s
        config.pretrained = segmentationTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        (config.inputSize, config.epochs, config.imagesPerBatch, config.learningRate, config.schedule) = (96, 100, 2, 0.003, "constant")
        var run = try FCNTraining(config: config, training: set, validation: set)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-fcn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, validation) = try run.run(checkpoint: directory.appendingPathComponent("c.ckpt"), resume: false,
                                          output: directory.appendingPathComponent("fcn.safetensors"))
        let mIoU = validation["mIoU"] ?? 0
        print("FCN-8s on the two VOC photos, own masks: mIoU \(mIoU), pixel accuracy \(validation["pixel_accuracy"] ?? 0)")
        #expect(mIoU >= 0.8)
        // The weights file alone describes the segmenter: classes and palette come back.
        let segmenter = try FCNSegmenter(weights: directory.appendingPathComponent("fcn.safetensors").path)
        #expect(segmenter.categories == VOCFolder.vocClassNames)
        #expect(segmenter.description.variant == .fcn8s && segmenter.description.palette.colors[15] == Palette.voc.colors[15])
    }

    @Test func resumeGivesTheWeightsOfAnUninterruptedRun() throws {
        let root = try sampleVOCFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let loaded = try SegmentationSet.load(source: try VOCFolder(directory: root), sourceName: root, indices: [0, 1])
        let set = SegmentationSet(classes: loaded.classes, examples: loaded.examples.map {
            SegmentationExample(name: $0.name, image: $0.image.resized(width: 48, height: 40), labelMap: $0.labelMap.resized(width: 48, height: 40))
        }, sourceName: root)
        var config = SegmenterTrainingConfig()
        config.variant = .fcn16s
        config.pretrained = nil
        (config.inputSize, config.epochs, config.imagesPerBatch, config.dropout) = (48, 3, 1, 0.5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-fcn-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Uninterrupted; the checkpoint written after the first epoch is kept aside, as a run killed
        // during the second epoch would leave it.
        let checkpoint = directory.appendingPathComponent("run.ckpt"), afterFirst = directory.appendingPathComponent("first.ckpt")
        var straight = try FCNTraining(config: config, training: set, validation: set)
        try straight.run(checkpoint: checkpoint, resume: false, output: directory.appendingPathComponent("straight.safetensors")) { event in
            if case .epochEnded(let summary) = event, summary.epoch == 1 { try? FileManager.default.copyItem(at: checkpoint, to: afterFirst) }
        }
        var resumed = try FCNTraining(config: config, training: set, validation: set)
        try resumed.run(checkpoint: afterFirst, resume: true, output: directory.appendingPathComponent("resumed.safetensors"))
        #expect(resumed.trainer.model.parameters == straight.trainer.model.parameters)
        #expect(resumed.trainer.model.parameters != FCNNetwork(variant: .fcn16s, classes: 21, seed: 1).parameters)
    }

    @Test func badLabelMapsNameTheFileAndTheCause() throws {
        let image = Image(width: 8, height: 6, channels: 3, pixels: [UInt8](repeating: 9, count: 144))
        #expect(throws: DatasetError.self) {
            try SegmentationSet.check(LabelMap(width: 8, height: 5), image: image, classCount: 3, file: "a.png")
        }
        do {
            var map = LabelMap(width: 8, height: 6)
            map[2, 3] = 7
            map[0, 0] = 255
            try SegmentationSet.check(map, image: image, classCount: 3, file: "b.png")
            Issue.record("class id 7 of 3 classes was accepted")
        } catch {
            #expect("\(error)".contains("b.png") && "\(error)".contains("class id 7"), "\(error)")
        }
        var ignored = LabelMap(width: 8, height: 6)
        ignored[1, 1] = 255
        try SegmentationSet.check(ignored, image: image, classCount: 3, file: "c.png")
    }
}
