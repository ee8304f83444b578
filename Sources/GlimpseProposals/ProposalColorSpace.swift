// ProposalColorSpace: the colour spaces selective search diversifies over (Uijlings et al.,
// IJCV 2013, section 3.2 and table 1): RGB, HSV, Lab, rgI, I and H.
//
// Every space is returned as channel planes scaled to [0, 255], the range the graph
// segmentation's threshold k and the 25-bin colour histograms are defined on (the paper's
// code segments the colour-space image as 8-bit values).

import GlimpseImaging

/// A colour space selective search segments and describes regions in.
public enum ProposalColorSpace: String, Sendable, CaseIterable, Equatable {
    /// Red, green, blue.
    case rgb
    /// Hue, saturation, value (scikit-image convention, each scaled from [0, 1]).
    case hsv
    /// CIE L*a*b* (D65): L* scaled from [0, 100], a* and b* offset by 128.
    case lab
    /// Normalised red and green, r = R/(R+G+B), g = G/(R+G+B), and intensity I = (R+G+B)/3.
    case rgI = "rgi"
    /// Intensity only (BT.601 gray).
    case intensity = "i"
    /// Hue only.
    case hue = "h"

    /// Channels in this space: 3, or 1 for `intensity` and `hue`.
    public var channelCount: Int {
        switch self {
        case .intensity, .hue: return 1
        default: return 3
        }
    }

    /// The image in this space as planes laid out `[C, H, W]`, values in [0, 255].
    /// Gray images count as RGB with equal channels; alpha is dropped.
    public func planes(of image: Image) -> [Float] {
        let n = image.width * image.height
        let rgb = image.rgb()
        var out = [Float](repeating: 0, count: channelCount * n)
        switch self {
        case .rgb:
            rgb.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        dst[i] = Float(src[3 * i])
                        dst[n + i] = Float(src[3 * i + 1])
                        dst[2 * n + i] = Float(src[3 * i + 2])
                    }
                }
            }
        case .hsv, .hue:
            let hsv = rgb.hsv()
            let channels = self == .hsv ? 3 : 1
            hsv.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        for c in 0..<channels { dst[c * n + i] = src[3 * i + c] * 255 }
                    }
                }
            }
        case .lab:
            let lab = rgb.lab()
            lab.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        dst[i] = min(255, max(0, src[3 * i] * 2.55))
                        dst[n + i] = min(255, max(0, src[3 * i + 1] + 128))
                        dst[2 * n + i] = min(255, max(0, src[3 * i + 2] + 128))
                    }
                }
            }
        case .rgI:
            rgb.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n {
                        let r = Float(src[3 * i]), g = Float(src[3 * i + 1]), b = Float(src[3 * i + 2])
                        let sum = r + g + b
                        // A black pixel has no chromaticity; call it neutral (1/3, 1/3).
                        dst[i] = sum > 0 ? 255 * r / sum : 85
                        dst[n + i] = sum > 0 ? 255 * g / sum : 85
                        dst[2 * n + i] = sum / 3
                    }
                }
            }
        case .intensity:
            let gray = rgb.grayscale()
            gray.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<n { dst[i] = Float(src[i]) }
                }
            }
        }
        return out
    }
}
