// CaptionCNN on detector weights: a Faster R-CNN file's trunk is read like a Fast R-CNN file's
// (same layers, same recorded architecture) under the Faster R-CNN file's identity, so a NIC
// trained on it shares the detector's trunk pass in a pipeline.

import GlimpseCaptioning
import GlimpseDetection
import GlimpseModels
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("CaptionCNN")
struct CaptionCNNTests {
    @Test func aFasterRCNNTrunkCarriesTheDetectorsIdentity() throws {
        let path = captioningTestsRoot + "/datasets/weights/faster-rcnn-scenes.safetensors"
        let cnn = try CaptionCNN(weights: path)
        let detector = try FasterRCNNDetector(weights: path)
        #expect(cnn.architecture == "fast-rcnn-deepconvnet" && cnn.layer == "relu6")
        #expect(cnn.identity == detector.backboneRequirement?.backbone.identity)
        #expect(cnn.network.parameters == detector.network.trunk.parameters)
        #expect(cnn.preprocessing == detector.description.preprocessing)
        // the captioner file's skeleton for that architecture takes the trunk's tensors
        var skeleton = try CaptionCNN.skeleton(architecture: cnn.architecture, layer: cnn.layer, preprocessing: cnn.preprocessing, file: path)
        #expect(Set(skeleton.parameters.keys) == Set(cnn.network.parameters.keys))
        try skeleton.load(cnn.network.parameters, source: path)
        // a file that is no CNN weights is refused naming it
        let fcn = captioningTestsRoot + "/datasets/weights/fcn8s-scenes.safetensors"
        do {
            _ = try CaptionCNN(weights: fcn)
            Issue.record("FCN weights were read as a caption CNN")
        } catch {
            #expect("\(error)".contains(fcn))
        }
    }
}
