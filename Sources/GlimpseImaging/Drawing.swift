// Drawing: rectangles, text and translucent mask overlays for preview images.
//
// Everything clips to the image, so a box partly outside draws its visible part. Colours are
// given per channel of the image being drawn on; the `annotated` helpers return an RGB copy
// so callers can pass RGB colours whatever the source was.

import Foundation

extension Image {
    /// Blends `color` over the rectangle [x, x+width) x [y, y+height) with `opacity` (1 = paint).
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: [UInt8], opacity: Float = 1) {
        precondition(color.count == channels, "fillRectangle: \(color.count) colour values for \(channels) channels")
        let xa = max(0, x), xb = min(width, x + w), ya = max(0, y), yb = min(height, y + h)
        guard xa < xb && ya < yb else { return }
        let colorChannels = channels == 4 ? 3 : channels
        for py in ya..<yb {
            for px in xa..<xb {
                let o = (py * width + px) * channels
                for c in 0..<colorChannels {
                    pixels[o + c] = clampByte(Float(pixels[o + c]) * (1 - opacity) + Float(color[c]) * opacity)
                }
                if channels == 4 { pixels[o + 3] = max(pixels[o + 3], clampByte(Float(color[3]) * opacity)) }
            }
        }
    }

    /// Draws the outline of `box` (rounded outwards to whole pixels), `thickness` pixels inwards.
    public mutating func drawRectangle(_ box: BoundingBox, color: [UInt8], thickness: Int = 2) {
        let x0 = Int(box.x0.rounded(.down)), y0 = Int(box.y0.rounded(.down))
        let x1 = Int(box.x1.rounded(.up)), y1 = Int(box.y1.rounded(.up))
        let w = x1 - x0, h = y1 - y0, t = max(1, min(thickness, (min(w, h) + 1) / 2))
        guard w > 0 && h > 0 else { return }
        fillRectangle(x: x0, y: y0, width: w, height: t, color: color)
        fillRectangle(x: x0, y: y1 - t, width: w, height: t, color: color)
        fillRectangle(x: x0, y: y0, width: t, height: h, color: color)
        fillRectangle(x: x1 - t, y: y0, width: t, height: h, color: color)
    }

    /// Draws a landmark as a filled square of side `2 * radius + 1` centred on the pixel holding (x, y).
    public mutating func drawLandmark(_ point: Landmark, color: [UInt8], radius: Int = 2) {
        guard point.x.isFinite && point.y.isFinite && abs(point.x) < 1e9 && abs(point.y) < 1e9 else { return }
        let x = Int(point.x.rounded(.down)), y = Int(point.y.rounded(.down))
        fillRectangle(x: x - radius, y: y - radius, width: 2 * radius + 1, height: 2 * radius + 1, color: color)
    }

    /// Draws `text` in the built-in 5x7 font with its top-left at (x, y), each font pixel
    /// `scale` x `scale` image pixels, on an optional background box with a 1-pixel margin.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: [UInt8], scale: Int = 1,
                                  background: [UInt8]? = nil) {
        precondition(scale >= 1, "drawText: scale \(scale)")
        if let background {
            let size = BitmapFont.size(of: text, scale: scale)
            fillRectangle(x: x - 1, y: y - 1, width: size.width + 2, height: size.height + 2, color: background)
        }
        for (index, character) in text.enumerated() {
            let rows = BitmapFont.glyph(character)
            let left = x + index * BitmapFont.advance * scale
            for (row, bits) in rows.enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    fillRectangle(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    /// Blends each labelled pixel's palette colour over the image with `opacity`, leaving
    /// ids in `skipping` (default background 0) untouched.
    public mutating func overlay(_ labels: LabelMap, palette: Palette = .voc, opacity: Float = 0.5,
                                 skipping: Set<UInt8> = [0]) {
        precondition(labels.width == width && labels.height == height,
                     "overlay: label map \(labels.width)x\(labels.height) vs image \(width)x\(height)")
        precondition(channels >= 3, "overlay: needs an RGB or RGBA image; call rgb() first")
        for i in 0..<(width * height) where !skipping.contains(labels.ids[i]) {
            let color = palette.color(labels.ids[i])
            for c in 0..<3 {
                pixels[i * channels + c] = clampByte(Float(pixels[i * channels + c]) * (1 - opacity) + Float(color[c]) * opacity)
            }
        }
    }

    /// The outline colour of boxes with label 0: class-agnostic boxes (region proposals) carry
    /// label 0, which is the background entry of a segmentation palette (black in VOC's), so they
    /// get this bright red instead of vanishing on dark images.
    public static let unlabelledBoxColor: [UInt8] = [255, 40, 40]

    /// An RGB copy with each box outlined in its class colour (`unlabelledBoxColor` for label 0)
    /// and labelled "NAME SCORE" (class names by id; the id itself when the list is short).
    public func annotated(boxes: [BoundingBox], classNames: [String] = [], palette: Palette = .voc,
                          thickness: Int = 2) -> Image {
        var out = rgb()
        for box in boxes {
            let color = box.label == 0 ? Image.unlabelledBoxColor : palette.color(UInt8(clamping: box.label))
            out.drawRectangle(box, color: color, thickness: thickness)
            var text = box.label >= 0 && box.label < classNames.count ? classNames[box.label] : "\(box.label)"
            if let score = box.score { text += " " + String(format: "%.2f", score) }
            let size = BitmapFont.size(of: text)
            let ty = Int(box.y0) - size.height - 2 >= 1 ? Int(box.y0) - size.height - 2 : Int(box.y0) + thickness + 1
            let brightness = Int(color[0]) * 299 + Int(color[1]) * 587 + Int(color[2]) * 114
            out.drawText(text, x: Int(box.x0) + 1, y: ty, color: brightness > 128_000 ? [0, 0, 0] : [255, 255, 255],
                         background: color)
        }
        return out
    }

    /// An RGB copy with the label map overlaid translucently in its class palette.
    public func annotated(labels: LabelMap, palette: Palette = .voc, opacity: Float = 0.5) -> Image {
        var out = rgb()
        out.overlay(labels, palette: palette, opacity: opacity)
        return out
    }
}
