// MNISTTests: the MNIST data set on small synthetic files: loading, the file-level checks,
// batches, subsets, the validation split and the epoch order.

import Testing
import GlimpseTensor
@testable import GlimpseDatasets

@Suite final class MNISTTests {
    /// A fresh directory for this test's files, removed when the test ends.
    let directory: String
    init() throws { directory = try makeTemporaryDirectory() }
    deinit { removeTemporaryDirectory(directory) }

    /// `count` synthetic images (pixel value = image index * 10 + 1) and labels `index % 10`.
    static func synthetic(_ count: Int) -> MNISTDataset {
        MNISTDataset(images: (0..<count).flatMap { [UInt8](repeating: UInt8($0 * 10 + 1), count: 784) },
                     labels: (0..<count).map { UInt8($0 % 10) })
    }

    /// Writes a split of `imageCount` images and `labelCount` labels with the given names into
    /// `directory`, and returns it.
    func writeSplit(imageCount: Int, labelCount: Int, labels: [UInt8]? = nil,
                    imagesName: String, labelsName: String) throws -> String {
        let images = IDXArray(dimensions: [imageCount, 28, 28], bytes: patternBytes(imageCount * 784))
        let labelBytes = labels ?? (0..<labelCount).map { UInt8($0 % 10) }
        try writeFile(Gzip.compress(IDX.encode(images)), named: imagesName, in: directory)
        try writeFile(Gzip.compress(IDX.encode(IDXArray(dimensions: [labelBytes.count], bytes: labelBytes))),
                      named: labelsName, in: directory)
        return directory
    }

    @Test(arguments: [("train-images.idx3-ubyte.gz", "train-labels.idx1-ubyte.gz"),   // MNIST
                      ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),   // Fashion-MNIST
                      ("train-images-idx3-ubyte", "train-labels.idx1-ubyte")])        // unpacked, mixed
    func bothFileNameSpellingsLoad(imagesName: String, labelsName: String) throws {
        let directory = try writeSplit(imageCount: 4, labelCount: 4, imagesName: imagesName, labelsName: labelsName)
        let data = try MNISTDataset(directory: directory, split: .train)
        #expect(data.count == 4)
        #expect(data.labels == [0, 1, 2, 3])
        #expect(data.images == patternBytes(4 * 784))
    }

    @Test func countMismatchNamesBothFiles() throws {
        let directory = try writeSplit(imageCount: 3, labelCount: 2,
                                            imagesName: "t10k-images.idx3-ubyte.gz", labelsName: "t10k-labels.idx1-ubyte.gz")
        let error = #expect(throws: MNISTError.self) { try MNISTDataset(directory: directory, split: .test) }
        let labelFile = directory + "/t10k-labels.idx1-ubyte.gz"
        #expect(error?.cause == .countMismatch(images: 3, labels: 2, labelFile: labelFile))
        #expect(error?.file == directory + "/t10k-images.idx3-ubyte.gz")
        #expect(error?.description.contains("t10k-images.idx3-ubyte.gz") == true)
        #expect(error?.description.contains(labelFile) == true)
    }

    @Test func labelOutOfRange() throws {
        let directory = try writeSplit(imageCount: 3, labelCount: 3, labels: [1, 10, 2],
                                            imagesName: "train-images.idx3-ubyte.gz", labelsName: "train-labels.idx1-ubyte.gz")
        let error = #expect(throws: MNISTError.self) { try MNISTDataset(directory: directory, split: .train) }
        #expect(error?.cause == .labelOutOfRange(index: 1, label: 10))
        #expect(error?.description.contains("train-labels.idx1-ubyte.gz") == true)
    }

    @Test func missingFilesAndBrokenFilesAreReported() throws {
        let empty = try makeSubdirectory("empty", in: directory)
        let missing = #expect(throws: MNISTError.self) { try MNISTDataset(directory: empty, split: .train) }
        #expect(missing?.cause == .missingFile(tried: MNISTDataset.candidateFileNames(for: .train).images))
        #expect(missing?.description.contains(empty) == true)

        // Labels where the images should be: the IDX error comes through, naming the file.
        let labels = IDX.encode(IDXArray(dimensions: [2], bytes: [0, 1]))
        let imagesPath = try writeFile(labels, named: "train-images.idx3-ubyte", in: directory)
        try writeFile(labels, named: "train-labels.idx1-ubyte", in: directory)
        let error = #expect(throws: MNISTError.self) { try MNISTDataset(directory: directory, split: .train) }
        #expect(error?.cause == .idx(.wrongMagic(found: 0x801, expected: 0x803)))
        #expect(error?.file == imagesPath)
        #expect(error?.description.contains(imagesPath) == true)
    }

    @Test func wrongImageSize() throws {
        try writeFile(IDX.encode(IDXArray(dimensions: [2, 8, 8], bytes: patternBytes(128))),
                      named: "train-images.idx3-ubyte", in: directory)
        try writeFile(IDX.encode(IDXArray(dimensions: [2], bytes: [0, 1])), named: "train-labels.idx1-ubyte", in: directory)
        let error = #expect(throws: MNISTError.self) { try MNISTDataset(directory: directory, split: .train) }
        #expect(error?.cause == .wrongImageShape(dimensions: [2, 8, 8]))
    }

    @Test func batchScalesToUnitRangeInIndexOrder() {
        let data = MNISTDataset(images: (0..<3).flatMap { n in (0..<784).map { UInt8(($0 + n) % 256) } }, labels: [4, 5, 6])
        let (images, labels) = data.batch([2, 0])
        #expect(images.shape == [2, 1, 28, 28])
        #expect(labels == [6, 4])
        #expect(images[0, 0, 0, 0] == Float(2) / 255)
        #expect(images[0, 0, 9, 3] == Float((9 * 28 + 3 + 2) % 256) / 255)
        #expect(images[1, 0, 9, 3] == Float((9 * 28 + 3) % 256) / 255)
        #expect(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(data.batch([0, 1, 2][1...]).labels == [5, 6])  // slices of an epoch order work too
    }

    @Test func subsetAndValidationSplitHoldOutTheLastImages() {
        let data = Self.synthetic(10)
        let (training, validation) = data.split(validation: 3)
        #expect(training == data.subset(0..<7))
        #expect(validation == data.subset(7..<10))
        #expect(validation.labels == [7, 8, 9])
        #expect(validation.images.first == 71)
        #expect(data.split(validation: 0).validation.count == 0)
    }

    @Test func epochOrderIsADeterministicPermutation() {
        let order = SeededGenerator.epochOrder(count: 1000, epoch: 3, seed: 42)
        #expect(order.sorted() == Array(0..<1000))
        #expect(order != Array(0..<1000))
        #expect(order == SeededGenerator.epochOrder(count: 1000, epoch: 3, seed: 42))
        #expect(order != SeededGenerator.epochOrder(count: 1000, epoch: 4, seed: 42))
        #expect(order != SeededGenerator.epochOrder(count: 1000, epoch: 3, seed: 43))
        #expect(Self.synthetic(5).epochOrder(epoch: 3, seed: 42) == SeededGenerator.epochOrder(count: 5, epoch: 3, seed: 42))
        #expect(SeededGenerator.epochOrder(count: 0, epoch: 0, seed: 1).isEmpty)
        #expect(SeededGenerator.epochOrder(count: 1, epoch: 0, seed: 1) == [0])
    }
}
