// Crop: a window of a feature map, Caffe's Crop layer as FCN uses it to align a score map with
// another (the skip's `score_pool4c`, offset 5) or with the input (the final `score`, offset
// 19 / 27 / 31 for 32s / 16s / 8s). The backward writes the gradient back into the window and
// zeros elsewhere.

import GlimpseTensor

/// The window `[top ..< top + height, left ..< left + width]` of every channel of `[N, C, H, W]`.
public struct Crop: Layer {
    /// The first row and column kept.
    public let top: Int, left: Int
    /// The window's size.
    public let height: Int, width: Int

    /// A crop of `height x width` at (`top`, `left`).
    public init(top: Int, left: Int, height: Int, width: Int) {
        precondition(top >= 0 && left >= 0 && height >= 1 && width >= 1, "Crop: offset (\(top), \(left)), size \(height)x\(width)")
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
    }

    /// Inference: `[N, C, H, W]` -> `[N, C, height, width]`; the window must lie inside the map.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && top + height <= input.shape[2] && left + width <= input.shape[3],
                     "Crop: \(height)x\(width) at (\(top), \(left)) does not fit in \(input.shape)")
        let (planes, h, w) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3])
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1], height, width]) { out in
            input.withUnsafeBufferPointer { x in
                for plane in 0..<planes {
                    for row in 0..<height {
                        let src = x.baseAddress! + (plane * h + top + row) * w + left
                        (out.baseAddress! + (plane * height + row) * width).update(from: src, count: width)
                    }
                }
            }
        }
    }

    /// Training forward; the pullback places the output gradient in the window of a zero gradient.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let crop = self
        let shape = input.shape
        return (output, { dy, gradients in
            precondition(dy.shape == output.shape, "Crop: output gradient \(dy.shape) does not match the output \(output.shape)")
            var dx = Tensor(zeros: shape)
            guard gradients.needsInputGradient else { return dx }
            let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
            dx.withUnsafeMutableBufferPointer { d in
                dy.withUnsafeBufferPointer { g in
                    for plane in 0..<planes {
                        for row in 0..<crop.height {
                            (d.baseAddress! + (plane * h + crop.top + row) * w + crop.left)
                                .update(from: g.baseAddress! + (plane * crop.height + row) * crop.width, count: crop.width)
                        }
                    }
                }
            }
            return dx
        })
    }
}
