// RegionWarp: the grown window's arithmetic by hand, the warp of a hand-made image (the object
// lands in the middle with the context around it), and the fill outside the image.

import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Region warp")
struct RegionWarpTests {
    @Test func paperSizesGrowByTheContext() {
        // S 227, p 16: a 195 px proposal grows to 227 px about its centre 197.5: [84, 311).
        let l = RegionWarp(outputSize: 227, contextPadding: 16)
            .layout(for: BoundingBox(x0: 100, y0: 100, x1: 295, y1: 295), imageWidth: 400, imageHeight: 400)
        #expect(l.grownX0 == 84 && l.grownX1 == 311 && l.grownY0 == 84 && l.grownY1 == 311)
        #expect(l.sourceX0 == 84 && l.sourceX1 == 311)
        #expect(l.destinationX == 0 && l.destinationWidth == 227 && l.destinationHeight == 227)
    }

    @Test func windowLeavingTheImage() {
        // S 16, p 4 (grow x2): box (0,0)-(4,4), centre 2, grown [-2, 6), clipped [0, 6);
        // 2 output px per image px: offset 2 x 2 = 4, length 6 x 2 = 12.
        let l = RegionWarp(outputSize: 16, contextPadding: 4)
            .layout(for: BoundingBox(x0: 0, y0: 0, x1: 4, y1: 4), imageWidth: 20, imageHeight: 20)
        #expect([l.grownX0, l.grownY0, l.grownX1, l.grownY1] == [-2, -2, 6, 6])
        #expect([l.sourceX0, l.sourceY0, l.sourceX1, l.sourceY1] == [0, 0, 6, 6])
        #expect([l.destinationX, l.destinationY, l.destinationWidth, l.destinationHeight] == [4, 4, 12, 12])
        // Wholly outside: nothing lands in the output.
        let outside = RegionWarp(outputSize: 16, contextPadding: 4)
            .layout(for: BoundingBox(x0: 30, y0: 30, x1: 40, y1: 40), imageWidth: 20, imageHeight: 20)
        #expect(outside.destinationWidth == 0 && outside.destinationHeight == 0)
    }

    /// 20 x 20 gray, black with a white square [4, 8) x [4, 8).
    static let square: Image = {
        var image = Image(width: 20, height: 20, fill: [0])
        for y in 4..<8 { for x in 4..<8 { image[x, y, 0] = 255 } }
        return image
    }()

    @Test func objectFillsTheMiddleWithContextAround() {
        // Box = the square; S 16, p 4: grown [2, 10), warped x2. Bilinear sampling at
        // (i + 0.5) / 2 - 0.5 gives, along the middle row: black, the edge ramp at 1/4 and 3/4,
        // white over the middle S - 2p = 8 px minus the ramps, and black context again.
        let warped = RegionWarp(outputSize: 16, contextPadding: 4).warp(Self.square, box: BoundingBox(x0: 4, y0: 4, x1: 8, y1: 8), fill: [77])
        #expect(warped.width == 16 && warped.height == 16 && warped.channels == 1)
        let expected: [Int] = [0, 0, 0, 64, 191, 255, 255, 255, 255, 255, 255, 191, 64, 0, 0, 0]
        for (row, column) in [(8, true), (7, false)] {
            let line = (0..<16).map { i in Int(column ? warped[i, row, 0] : warped[row, i, 0]) }
            #expect(zip(line, expected).allSatisfy { abs($0 - $1) <= 1 }, "\(line)")
        }
        // The whole window is inside the image: no fill anywhere.
        #expect(!warped.pixels.contains(77))
    }

    @Test func outsideIsTheFillAndZeroAfterMeanSubtraction() {
        let image = Image(width: 20, height: 20, fill: [200, 150, 100])
        let warp = RegionWarp(outputSize: 16, contextPadding: 4)
        let box = BoundingBox(x0: 0, y0: 0, x1: 4, y1: 4)
        let warped = warp.warp(image, box: box, fill: [10, 20, 30])
        for (x, y) in [(0, 0), (3, 15), (15, 3)] { #expect(warped.pixel(x: x, y: y) == [10, 20, 30]) }
        for (x, y) in [(4, 4), (15, 15), (9, 12)] { #expect(warped.pixel(x: x, y: y) == [200, 150, 100]) }
        let preprocessing = ImagePreprocessing(inputSize: 16, channelOrder: "RGB", mean: [100, 110, 120], std: [1, 1, 1])
        let input = warp.tensor(image, box: box, preprocessing: preprocessing)
        #expect(input.shape == [1, 3, 16, 16])
        func value(_ c: Int, _ y: Int, _ x: Int) -> Float { input.scalars[(c * 16 + y) * 16 + x] }
        for c in 0..<3 {
            #expect(value(c, 0, 0) == 0 && value(c, 3, 15) == 0 && value(c, 15, 3) == 0)
            #expect(value(c, 15, 15) == [100, 40, -20][c] && value(c, 4, 4) == [100, 40, -20][c])
        }
        // Wholly outside the image: all fill.
        let missed = warp.warp(image, box: BoundingBox(x0: 30, y0: 30, x1: 40, y1: 40), fill: [1, 2, 3])
        #expect(missed.pixels == Image(width: 16, height: 16, fill: [1, 2, 3]).pixels)
    }
}
