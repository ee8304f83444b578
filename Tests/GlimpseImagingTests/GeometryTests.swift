// Geometry, resampling, colour spaces and tensor conversion.

import Testing
import Foundation
import GlimpseTensor
@testable import GlimpseImaging

@Test func flipsTurnsAndTransposeMovePixelsExactly() {
    let image = patternImage(width: 5, height: 3, channels: 3)
    #expect(image.flippedHorizontally().pixel(x: 0, y: 1) == image.pixel(x: 4, y: 1))
    #expect(image.flippedVertically().pixel(x: 2, y: 0) == image.pixel(x: 2, y: 2))
    let cw = image.rotated90(clockwiseTurns: 1)
    #expect(cw.width == 3 && cw.height == 5)
    #expect(cw.pixel(x: 0, y: 0) == image.pixel(x: 0, y: 2))   // bottom-left goes to top-left
    #expect(cw.pixel(x: 2, y: 0) == image.pixel(x: 0, y: 0))   // top-left goes to top-right
    #expect(image.rotated90(clockwiseTurns: 4) == image)
    #expect(image.rotated90(clockwiseTurns: 1).rotated90(clockwiseTurns: -1) == image)
    #expect(image.transposed().pixel(x: 1, y: 4) == image.pixel(x: 4, y: 1))
    #expect(image.flippedHorizontally().flippedHorizontally() == image)
}

@Test func cropAndPad() {
    let image = patternImage(width: 6, height: 4, channels: 1)
    let crop = image.cropped(x: 2, y: 1, width: 3, height: 2)
    #expect(crop.pixel(x: 0, y: 0) == image.pixel(x: 2, y: 1))
    #expect(crop.pixel(x: 2, y: 1) == image.pixel(x: 4, y: 2))
    let padded = image.padded(top: 1, left: 2, bottom: 3, right: 4, fill: [9])
    #expect(padded.width == 12 && padded.height == 8)
    #expect(padded.pixel(x: 0, y: 0) == [9] && padded.pixel(x: 2, y: 1) == image.pixel(x: 0, y: 0))
    let labels = LabelMap(width: 3, height: 2, ids: [1, 2, 3, 4, 5, 6])
    #expect(labels.padded(top: 0, left: 1, bottom: 0, right: 0).ids == [255, 1, 2, 3, 255, 4, 5, 6])
    #expect(labels.flippedHorizontally().ids == [3, 2, 1, 6, 5, 4])
}

@Test func resizeKeepsFlatImagesFlatAndAveragesWhenShrinking() {
    let flat = Image(width: 17, height: 9, fill: [10, 200, 77])
    #expect(flat.resized(width: 5, height: 4) == Image(width: 5, height: 4, fill: [10, 200, 77]))
    #expect(flat.resized(width: 40, height: 31) == Image(width: 40, height: 31, fill: [10, 200, 77]))
    // A 1-pixel checkerboard halved by area averaging is uniform grey (bilinear sampling would alias).
    var checker = Image(width: 8, height: 8, fill: [0])
    for y in 0..<8 { for x in 0..<8 where (x + y) % 2 == 0 { checker[x, y, 0] = 255 } }
    let half = checker.resized(width: 4, height: 4)
    #expect(half.pixels.allSatisfy { $0 == 128 })
    // Exact 2x2 block averages.
    let ramp = Image(width: 4, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 50, 60, 70])
    #expect(ramp.resized(width: 2, height: 1).pixels == [25, 45])
    // Enlarging interpolates between centres.
    let two = Image(width: 2, height: 1, channels: 1, pixels: [0, 100])
    #expect(two.resized(width: 4, height: 1).pixels == [0, 25, 75, 100])
}

@Test func labelMapsResizeByNearestNeighbour() {
    let labels = LabelMap(width: 2, height: 2, ids: [1, 2, 3, 4])
    let big = labels.resized(width: 4, height: 4)
    #expect(big.ids == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    #expect(Set(big.resized(width: 3, height: 3).ids).isSubset(of: [1, 2, 3, 4]))
}

@Test func rotationByAngle() {
    let image = patternImage(width: 20, height: 20, channels: 3)
    // 90 degrees counter-clockwise equals three clockwise quarter turns (square, centred).
    #expect(image.rotated(degrees: 90) == image.rotated90(clockwiseTurns: 3))
    #expect(image.rotated(degrees: 0) == image)
    let tilted = Image(width: 21, height: 21, fill: [200]).rotated(degrees: 45, fill: [0])
    #expect(tilted[0, 0, 0] == 0 && tilted[10, 10, 0] == 200)
    let labels = LabelMap(width: 4, height: 4, fill: 3).rotated(degrees: 90)
    #expect(labels.ids.allSatisfy { $0 == 3 })
}

@Test func colourSpacesRoundTrip() throws {
    let photo = try ImageFile.read(TestFiles.sample("chelsea.png")).cropped(x: 100, y: 100, width: 64, height: 48)
    let hsvBack = Image(hsv: photo.hsv(), width: 64, height: 48)
    #expect(zip(hsvBack.pixels, photo.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    let labBack = Image(lab: photo.lab(), width: 64, height: 48)
    #expect(zip(labBack.pixels, photo.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    // Known values: pure red is hue 0, s 1, v 1; white is L* 100, a* b* 0; red is L* 53.24, a* 80.09, b* 67.20.
    let red = Image(width: 1, height: 1, fill: [255, 0, 0])
    #expect(red.hsv() == [0, 1, 1])
    let lab = red.lab()
    #expect(abs(lab[0] - 53.24) < 0.05 && abs(lab[1] - 80.09) < 0.05 && abs(lab[2] - 67.20) < 0.05)
    let white = Image(width: 1, height: 1, fill: [255, 255, 255]).lab()
    #expect(abs(white[0] - 100) < 0.01 && abs(white[1]) < 0.01 && abs(white[2]) < 0.01)
    #expect(Image(width: 1, height: 1, fill: [0, 0, 255]).hsv()[0] == Float(2) / 3)
    let luma: Int = (255 * 299 + 128 * 587 + 500) / 1000
    #expect(Image(width: 1, height: 1, fill: [255, 128, 0]).grayscale().pixels == [UInt8(luma)])
}

@Test func tensorConversionNCHW() {
    let image = Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 51, 0, 255, 102])
    let unit = image.tensor()
    #expect(unit.shape == [1, 3, 1, 2])
    #expect(unit.scalars == [1, 0, 0, 1, 0.2, 0.4])
    #expect(Image(tensor: unit) == image)
    let normalized = image.tensor(.imageNet)
    #expect(abs(normalized[0, 0, 0, 0] - (1 - 0.485) / 0.229) < 1e-5)
    #expect(Image(tensor: normalized, .imageNet) == image)
    // Caffe: channel 0 of the tensor is blue minus the blue mean.
    let caffe = image.tensor(.caffeImageNet)
    #expect(abs(caffe[0, 0, 0, 0] - (51 - 103.939)) < 1e-4)
    #expect(abs(caffe[0, 2, 0, 1] - (0 - 123.68)) < 1e-4)
    #expect(Image(tensor: caffe, .caffeImageNet) == image)
    let batch = Image.batchTensor([image, image.flippedHorizontally()])
    #expect(batch.shape == [2, 3, 1, 2])
    #expect(LabelMap(width: 2, height: 1, ids: [3, 255]).tensor().scalars == [3, 255])
}
