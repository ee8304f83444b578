// MNISTRealDataTests: the real MNIST files in datasets/mnist (see datasets/mnist/PROVENANCE.md).
// Each split is decoded once; these are the slowest tests of the target.

import Testing
import GlimpseTensor
@testable import GlimpseDatasets

@Suite struct MNISTRealDataTests {
    @Test func trainingSplit() throws {
        let train = try MNISTDataset(directory: mnistDirectory(), split: .train)
        #expect(train.count == 60_000)
        #expect(train.images.count == 60_000 * 784)
        #expect(Array(train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(abs(train.meanPixel - 33.318) < 0.001)
        let (images, labels) = train.batch([0, 59_999])
        #expect(images.shape == [2, 1, 28, 28])
        #expect(labels == [5, Int(train.labels[59_999])])
        #expect(images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 } && images.scalars.contains(1))
        let (rest, validation) = train.split(validation: 10_000)
        #expect(rest.count == 50_000 && validation.count == 10_000)
        #expect(validation.labels.first == train.labels[50_000])
    }

    @Test func testSplit() throws {
        let test = try MNISTDataset(directory: mnistDirectory(), split: .test)
        #expect(test.count == 10_000)
        #expect(Array(test.labels.prefix(5)) == [7, 2, 1, 0, 4])
    }
}
