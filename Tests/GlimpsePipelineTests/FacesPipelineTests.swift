// Pipelines/faces.yaml: MTCNN without a proposer or backbone on the cameraman, its face and
// five landmarks in the per-image JSON (and back), drawn on the preview; an image beyond the
// decoder's pixel budget refused from its header.

import Foundation
import GlimpseImaging
@testable import GlimpsePipeline
import GlimpseRegistry
import GlimpseSerialization
import Testing

@Suite("Faces pipeline")
struct FacesPipelineTests {
    static func pipeline() throws -> Pipeline {
        let path = PipelineFixtures.root.appendingPathComponent("Pipelines/faces.yaml").path
        return try Pipeline(PipelineFile.load(path, registry: .standard))
    }

    @Test func theCameramansFaceAndLandmarksReachTheJSONAndThePreview() throws {
        let pipeline = try Self.pipeline()
        let path = PipelineFixtures.root.appendingPathComponent("datasets/samples/camera.png").path
        let image = try pipeline.decoder.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
        let outcome = try pipeline.process(image, input: path, seed: 0, labelMapPath: "")
        let faces = try #require(outcome.result.detections)
        #expect(faces.count == 1)
        let face = try #require(faces.first)
        #expect(face.category == "face" && face.score > 0.99)
        let landmarks = try #require(face.landmarks)
        #expect(landmarks.count == 5)
        // every landmark inside the face box; the eyes above the mouth corners
        #expect(landmarks.allSatisfy { $0.x > face.x0 && $0.x < face.x1 && $0.y > face.y0 && $0.y < face.y1 })
        #expect(landmarks[0].y < landmarks[3].y && landmarks[1].y < landmarks[4].y)
        // the JSON carries them and reads back equal
        let text = outcome.result.fileText
        #expect(text.contains("\"landmarks\""))
        #expect(try ImageResult(json: JSONParser().parse(Array(text.utf8)), file: "camera.json") == outcome.result)
        // a result without landmarks writes no such member
        var bare = outcome.result
        bare.detections = faces.map { var plain = $0; plain.landmarks = nil; return plain }
        #expect(!bare.fileText.contains("landmarks"))
        // the preview marks each landmark in the box colour
        let preview = OutputWriter.annotate(outcome.image, result: outcome.result, labelMap: nil, side: nil)
        for point in landmarks {
            #expect(preview.pixel(x: Int(point.x), y: Int(point.y)) == Image.unlabelledBoxColor, "\(point)")
        }
    }

    @Test func anImageBeyondThePixelBudgetIsRefusedFromItsHeader() throws {
        let pipeline = try Self.pipeline()
        let path = PipelineFixtures.root.appendingPathComponent("Tests/GlimpseImagingTests/Fixtures/huge-dimensions.png").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let start = Date()
        #expect {
            _ = try pipeline.decoder.decode(bytes, file: path)
        } throws: { error in
            guard let imaging = error as? ImagingError else { return false }
            return imaging.kind == .tooLarge && "\(imaging)".contains(path)
        }
        #expect(Date().timeIntervalSince(start) < 1)
    }
}
