// MTCNN: golden faces from the reference (facenet-pytorch 2.6.0) on two sample photos, images
// too small for the pyramid, another model's weights named as MTCNN's, the pyramid's scales and
// the two NMS overlaps.
//
// The golden numbers were printed by (scripts/mtcnn-parity.sh runs the same on more photos):
//   Benchmarks/.venv/bin/python Benchmarks/pytorch_mtcnn.py --package DIR \
//       datasets/samples/camera.png datasets/samples/2011_000003.jpg
// i.e. detect_face([PIL image .convert("RGB")], 20, pnet, rnet, onet, [0.6, 0.7, 0.7], 0.709, "cpu").

import Foundation
@testable import GlimpseDetection
import GlimpseImaging
import GlimpseModels
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("MTCNN")
struct MTCNNTests {
    static let weights = detectionTestsRoot + "/datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors"
    static let detector: MTCNNDetector? = try? MTCNNDetector(weights: weights)

    /// facenet-pytorch's faces: [x1, y1, x2, y2, score] and five [x, y] landmarks each.
    static let golden: [String: [(box: [Float], landmarks: [[Float]])]] = [
        "camera.png": [
            ([199.21634, 118.92566, 254.26624, 192.26976, 0.99910009],
             [[234.38878, 147.15826], [252.31697, 149.61232], [250.74802, 169.11588], [231.23322, 180.40723], [243.45137, 181.94366]]),
        ],
        "2011_000003.jpg": [
            ([467.33450, 101.52638, 508.04730, 153.07707, 0.99956661],
             [[476.83951, 121.03652], [495.29715, 123.74146], [482.75885, 132.73745], [474.03394, 137.03781], [494.04120, 139.75656]]),
            ([229.88147, 136.40634, 263.77017, 177.13017, 0.99453062],
             [[241.29918, 149.70041], [256.79806, 150.84695], [249.16319, 159.99339], [240.77632, 165.61836], [253.56100, 166.48073]]),
        ],
    ]

    @Test(arguments: ["camera.png", "2011_000003.jpg"])
    func facesMatchTheReferenceWithinTwoPixels(name: String) throws {
        let detector = try #require(Self.detector)
        let image = try ImageFile.read(detectionTestsRoot + "/datasets/samples/" + name)
        let faces = detector.faces(in: image)
        let expected = try #require(Self.golden[name])
        #expect(faces.count == expected.count, "\(faces.map(\.box))")
        for (face, reference) in zip(faces, expected) {
            let corners = [face.box.x0, face.box.y0, face.box.x1, face.box.y1]
            #expect(zip(corners, reference.box).allSatisfy { abs($0 - $1) <= 2 }, "\(corners) vs \(reference.box)")
            #expect(abs((face.box.score ?? 0) - reference.box[4]) < 1e-3 && face.box.label == 0)
            #expect(face.landmarks.count == 5)
            for (point, want) in zip(face.landmarks, reference.landmarks) {
                #expect(abs(point.x - want[0]) <= 2 && abs(point.y - want[1]) <= 2, "\(point) vs \(want)")
            }
        }
    }

    @Test func imagesTooSmallForThePyramidHaveNoFaces() throws {
        let detector = try #require(Self.detector)
        // 1x1 and 19x19 give no pyramid level (12 / 20 of the short side is under 12 px); 20x20 gives one
        for (side, channels) in [(1, 1), (1, 3), (19, 4), (20, 3)] {
            let image = Image(width: side, height: side, fill: [UInt8](repeating: 128, count: channels))
            #expect(detector.faces(in: image).isEmpty, "\(side) px, \(channels) channels")
        }
        #expect(MTCNNSettings().scales(width: 1, height: 1).isEmpty)
        #expect(MTCNNSettings().scales(width: 20, height: 20) == [0.6])
        // 512 px: 0.6 * 0.709^k while 307.2 * 0.709^k >= 12, k = 0...9
        let scales = MTCNNSettings().scales(width: 512, height: 700)
        #expect(scales.count == 10 && scales[0] == 0.6 && abs(scales[9] - 0.6 * pow(0.709, 9)) < 1e-12)
    }

    @Test func anotherModelsWeightsAreRefusedNamingTheFile() throws {
        let squeezenet = detectionTestsRoot + "/datasets/weights/squeezenet1_1.safetensors"
        #expect {
            _ = try MTCNNDetector(weights: squeezenet)
        } throws: { error in
            let text = "\(error)"
            return text.contains(squeezenet) && text.contains("missing \"pnet.conv1.weight\"")
                && text.contains("unexpected \"conv1.weight\"")
        }
        let absent = detectionTestsRoot + "/datasets/weights/no-such-mtcnn.safetensors"
        #expect { _ = try MTCNNDetector(weights: absent) } throws: { "\($0)".contains(absent) }
        // the right names with a wrong shape: O-Net's dense layer from a file cut short
        var tensors = try WeightImportTable.kerasMTCNN.convert(SafetensorsFile(contentsOf: URL(fileURLWithPath: Self.weights)))
        tensors["onet.dense5.weight"] = Tensor(zeros: [256, 1000])
        #expect { _ = try MTCNN(tensors: tensors, source: "cut.safetensors") } throws: { error in
            "\(error)".contains("cut.safetensors") && "\(error)".contains("onet.dense5.weight")
        }
    }

    @Test func unionAndMinOverlapsSuppressDifferently() {
        // a 10x10 box inside a 40x40 one: IoU 1/16 keeps both; over the smaller box it is 1 (min) and goes
        let big = MTCNNCandidate(x1: 0, y1: 0, x2: 40, y2: 40, score: 0.9)
        let small = MTCNNCandidate(x1: 5, y1: 5, x2: 15, y2: 15, score: 0.8)
        #expect([small, big].suppressed(threshold: 0.7, overlap: .union).map(\.score) == [0.9, 0.8])
        #expect([small, big].suppressed(threshold: 0.7, overlap: .min).map(\.score) == [0.9])
        // ties keep the input order
        let twin = MTCNNCandidate(x1: 0, y1: 0, x2: 40, y2: 40, score: 0.9, offsets: (1, 0, 0, 0))
        #expect([twin, big].suppressed(threshold: 0.5, overlap: .union).map(\.offsets.0) == [1])
    }
}
