// FCNVariant: FCN-32s, FCN-16s and FCN-8s (Long et al. 2015, section 4.2): the coarse score
// map alone, or fused with one or two earlier pooling stages' scores before the final upsampling.
//
// The names are the paper's, for its structure: the number of skips. On VGG16 (five pools)
// the outputs are enlarged from strides 32, 16 and 8. Glimpse's backbone for the scenes is
// the seed text's DeepConvNet, which has three pools: its convolutionalised classifier scores
// at stride 8, so the same three nets enlarge from strides 8, 4 and 2 (skips from pool2 and pool1).

/// The three FCN nets, by their number of skip connections.
public enum FCNVariant: String, CaseIterable, Sendable {
    /// Scores from the convolutionalised classifier only, enlarged by the backbone's full stride.
    case fcn32s = "fcn-32s"
    /// Plus the scores of the last pooling stage but one (DeepConvNet's pool2).
    case fcn16s = "fcn-16s"
    /// Plus the stage before that too (DeepConvNet's pool1).
    case fcn8s = "fcn-8s"

    /// Skip connections fused (0, 1, 2).
    public var skips: Int {
        switch self {
        case .fcn32s: return 0
        case .fcn16s: return 1
        case .fcn8s: return 2
        }
    }

    /// The net a finer one is initialised from (the paper's staged training), nil for 32s.
    public var coarser: FCNVariant? {
        switch self {
        case .fcn32s: return nil
        case .fcn16s: return .fcn32s
        case .fcn8s: return .fcn16s
        }
    }

    /// "fcn-32s, fcn-16s, fcn-8s".
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
