// BackboneFeatures: what one backbone pass over one image gives the later stages: the named
// layer outputs they asked for, and how the image's pixels were mapped to the network input,
// so a head can map boxes from image pixels to feature-map cells (Fast R-CNN's RoI pooling)
// and score maps back to the image (FCN).

import GlimpseImaging
import GlimpseTensor

/// The named activations of one image and the image-to-input transform they came through.
public struct BackboneFeatures: Sendable {
    /// The network and weights that computed them.
    public var identity: BackboneIdentity
    /// How the image became the network input (size, channel order, normalisation).
    public var preprocessing: ImagePreprocessing
    /// The image's width in pixels (before resizing to the input).
    public var imageWidth: Int
    /// The image's height in pixels.
    public var imageHeight: Int
    /// Activations by layer name, each `[1, C, H, W]` (or `[1, K]` after a global pool).
    public var layers: [String: Tensor]

    /// Creates the features of one image.
    public init(identity: BackboneIdentity, preprocessing: ImagePreprocessing, imageWidth: Int, imageHeight: Int,
                layers: [String: Tensor]) {
        (self.identity, self.preprocessing, self.imageWidth, self.imageHeight, self.layers) =
            (identity, preprocessing, imageWidth, imageHeight, layers)
    }

    /// Network-input pixels per image pixel, horizontally and vertically: the input is the whole
    /// image resized to `inputSize` squared, so a point (x, y) of the image is
    /// (x * scaleX, y * scaleY) of the input.
    public var inputScale: (x: Float, y: Float) {
        let side = Float(preprocessing.inputSize)
        return (side / Float(imageWidth), side / Float(imageHeight))
    }

    /// The activations of `layer`; the layer must have been asked for.
    public subscript(layer: String) -> Tensor {
        guard let map = layers[layer] else {
            preconditionFailure("BackboneFeatures: \(layer) was not computed; computed: \(layers.keys.sorted())")
        }
        return map
    }
}
