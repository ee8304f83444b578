// ObjectColor: the fixed named palette the scene generator paints digits in, and the plain
// background colours; the names are what captions say.

/// A named RGB colour for digits.
public enum ObjectColor: String, CaseIterable, Sendable {
    case red, green, blue, yellow, white, black, orange, purple

    /// The RGB value painted.
    public var rgb: [UInt8] {
        switch self {
        case .red: return [220, 30, 30]
        case .green: return [30, 170, 50]
        case .blue: return [40, 70, 230]
        case .yellow: return [245, 220, 30]
        case .white: return [250, 250, 250]
        case .black: return [15, 15, 15]
        case .orange: return [250, 140, 20]
        case .purple: return [140, 40, 180]
        }
    }
}

/// A plain background colour (none of them is a digit colour, so captions never say "a grey 3").
public enum PlainBackgroundColor: String, CaseIterable, Sendable {
    case grey, beige, teal, brown

    /// The RGB value painted.
    public var rgb: [UInt8] {
        switch self {
        case .grey: return [128, 128, 128]
        case .beige: return [215, 200, 165]
        case .teal: return [40, 120, 120]
        case .brown: return [110, 75, 45]
        }
    }
}
