// DatasetPreview: one labelled item drawn for people to check by eye: the image with its boxes
// and class names, the instance masks, the label map, and the captions underneath.

import GlimpseImaging

/// Draws a `LabelledImage` as a contact sheet.
public enum DatasetPreview {
    /// Side-by-side panels, each the image enlarged `scale` times (nearest neighbour): boxes and
    /// class names; instance masks (one colour per instance) when present; the label map
    /// (VOC palette, ignore in white) when present; then one line per caption (wrapped). An
    /// item without an image is drawn on grey of the label map's size.
    public static func render(_ item: LabelledImage, classNames: [String], scale: Int = 3) -> Image {
        precondition(scale >= 1, "DatasetPreview: scale \(scale)")
        let base: Image
        if let image = item.image {
            base = image.rgb()
        } else {
            base = Image(width: item.labelMap?.width ?? 64, height: item.labelMap?.height ?? 64, fill: [128, 128, 128])
        }
        let w = base.width * scale, h = base.height * scale
        let big = enlarge(base, scale)
        var panels = [big.annotated(boxes: (item.boxes ?? []).map { scaled($0, scale) }, classNames: classNames)]
        if let masks = item.masks, !masks.isEmpty {
            var ids = LabelMap(width: base.width, height: base.height)
            for (k, mask) in masks.enumerated() {
                for i in 0..<mask.bits.count where mask.bits[i] { ids.ids[i] = UInt8(min(k + 1, 254)) }
            }
            panels.append(big.annotated(labels: ids.resized(width: w, height: h), palette: instancePalette, opacity: 0.6))
        }
        if let labels = item.labelMap {
            var colors = Palette.voc.colors
            colors[255] = [255, 255, 255]
            var panel = big
            panel.overlay(labels.resized(width: w, height: h), palette: Palette(colors: colors), opacity: 0.75)
            panels.append(panel)
        }
        let gap = 4
        let width = panels.count * w + (panels.count - 1) * gap
        let charsPerLine = max(10, width / BitmapFont.advance - 2)
        var lines = [String]()
        for caption in item.captions ?? [] { lines += wrap(caption, charsPerLine) }
        lines.insert(item.name, at: 0)
        let lineHeight = BitmapFont.glyphHeight + 4
        var sheet = Image(width: width, height: h + 4 + lines.count * lineHeight, fill: [255, 255, 255])
        for (p, panel) in panels.enumerated() {
            let x0 = p * (w + gap)
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 { sheet.pixels[(y * width + x0 + x) * 3 + c] = panel.pixels[(y * w + x) * 3 + c] }
                }
            }
        }
        for (i, line) in lines.enumerated() {
            sheet.drawText(line, x: 2, y: h + 4 + i * lineHeight, color: [0, 0, 0])
        }
        return sheet
    }

    /// Distinct colours for instance ids 1, 2, ... (0 unused).
    static let instancePalette: Palette = {
        let base: [[UInt8]] = [[0, 0, 0], [230, 25, 75], [60, 180, 75], [0, 130, 200], [245, 130, 48], [145, 30, 180],
                               [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212]]
        return Palette(colors: (0..<256).map { $0 == 0 ? base[0] : base[1 + ($0 - 1) % (base.count - 1)] })
    }()

    static func enlarge(_ image: Image, _ scale: Int) -> Image {
        if scale == 1 { return image }
        let w = image.width * scale, c = image.channels
        var pixels = [UInt8](repeating: 0, count: w * image.height * scale * c)
        for y in 0..<(image.height * scale) {
            for x in 0..<w {
                let s = ((y / scale) * image.width + x / scale) * c
                for k in 0..<c { pixels[(y * w + x) * c + k] = image.pixels[s + k] }
            }
        }
        return Image(width: w, height: image.height * scale, channels: c, pixels: pixels)
    }

    static func scaled(_ box: BoundingBox, _ scale: Int) -> BoundingBox {
        var b = box
        let s = Float(scale)
        (b.x0, b.y0, b.x1, b.y1) = (box.x0 * s, box.y0 * s, box.x1 * s, box.y1 * s)
        return b
    }

    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines = [String](), current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width { lines.append(current); current = "" }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
