// ImageTensor: Image <-> the tensor core's Float32 NCHW layout, with normalisation.
//
// Two conventions are in use by the models Glimpse runs: torchvision-style (scale to [0, 1],
// subtract a per-channel mean, divide by a per-channel std) and Caffe-style (reverse RGB to
// BGR, subtract a per-channel mean in 0-255 units, no scaling), which the SqueezeNet weights
// expect (see ../shared/datasets/README.md).

import GlimpseTensor

/// How 8-bit pixel values become tensor values.
public enum PixelNormalization: Sendable, Equatable {
    /// value = pixel / 255.
    case unit
    /// value = (pixel / 255 - mean[c]) / std[c], channels in image order.
    case meanStd(mean: [Float], std: [Float])
    /// Channels reversed (RGB to BGR), value = pixel - bgrMean[c]; no scaling.
    case caffe(bgrMean: [Float])

    /// torchvision's ImageNet statistics.
    public static let imageNet = PixelNormalization.meanStd(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// Caffe-style with the ImageNet BGR mean `ImagePreprocessing.caffeBGRMean`.
    public static let caffeImageNet = PixelNormalization.caffe(bgrMean: ImagePreprocessing.caffeBGRMean)

    /// Per tensor channel: value = (pixel - offset[c]) / divisor[c], and the image channel it reads.
    fileprivate func affine(channels: Int) -> (offset: [Float], divisor: [Float], source: [Int]) {
        switch self {
        case .unit:
            return ([Float](repeating: 0, count: channels), [Float](repeating: 255, count: channels), Array(0..<channels))
        case let .meanStd(mean, std):
            precondition(mean.count == channels && std.count == channels,
                         "PixelNormalization: \(mean.count) means, \(std.count) stds for \(channels) channels")
            return (mean.map { 255 * $0 }, std.map { 255 * $0 }, Array(0..<channels))
        case let .caffe(bgrMean):
            precondition(channels == 3 && bgrMean.count == 3, "PixelNormalization.caffe: needs 3 channels")
            return (bgrMean, [1, 1, 1], [2, 1, 0])
        }
    }
}

extension Image {
    /// The image as a tensor of shape `[1, C, H, W]`.
    public func tensor(_ normalization: PixelNormalization = .unit) -> Tensor {
        let (offset, divisor, source) = normalization.affine(channels: channels)
        let plane = width * height
        return Tensor(uninitializedShape: [1, channels, height, width]) { out in
            pixels.withUnsafeBufferPointer { px in
                for c in 0..<channels {
                    let m = offset[c], d = divisor[c], k = source[c], base = c * plane
                    for i in 0..<plane { out[base + i] = (Float(px[i * channels + k]) - m) / d }
                }
            }
        }
    }

    /// Several images of one size stacked to `[N, C, H, W]`.
    public static func batchTensor(_ images: [Image], _ normalization: PixelNormalization = .unit) -> Tensor {
        precondition(!images.isEmpty, "batchTensor: no images")
        let first = images[0]
        precondition(images.allSatisfy { $0.width == first.width && $0.height == first.height && $0.channels == first.channels },
                     "batchTensor: images differ in size or channels")
        var scalars = [Float]()
        scalars.reserveCapacity(images.count * first.pixels.count)
        for image in images { scalars += image.tensor(normalization).scalars }
        return Tensor(shape: [images.count, first.channels, first.height, first.width], scalars: scalars)
    }

    /// An image from a tensor of shape `[1, C, H, W]` or `[C, H, W]` (C = 1, 3, 4), undoing
    /// `normalization`; values are rounded and clamped to 0...255.
    public init(tensor: Tensor, _ normalization: PixelNormalization = .unit) {
        let shape = tensor.rank == 4 ? tensor.shape : [1] + tensor.shape
        precondition(shape.count == 4 && shape[0] == 1, "Image(tensor:): need [1, C, H, W], got \(tensor.shape)")
        let channels = shape[1], height = shape[2], width = shape[3], plane = width * height
        let (offset, divisor, source) = normalization.affine(channels: channels)
        var pixels = [UInt8](repeating: 0, count: plane * channels)
        tensor.withUnsafeBufferPointer { t in
            for c in 0..<channels {
                let k = source[c]
                for i in 0..<plane { pixels[i * channels + k] = clampByte(t[c * plane + i] * divisor[c] + offset[c]) }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}

extension LabelMap {
    /// The class ids as a Float tensor of shape `[1, H, W]` (255 stays 255).
    public func tensor() -> Tensor {
        Tensor(shape: [1, height, width], scalars: ids.map { Float($0) })
    }
}
