// OptimizerChoice: an update rule picked by name (`--optimizer momentum --momentum 0.9`), with the
// hyperparameters that make sense for it. Its name and hyperparameters go into every checkpoint's
// metadata (`train.optimizer`, `train.optimizer.momentum`, ...), so a resume knows which
// optimizer's state it is reading and refuses another.

import GlimpseOptim

/// An optimizer chosen by name, with its hyperparameters (the learning rate comes from the schedule).
public struct OptimizerChoice: Sendable, Equatable {
    /// The update rules that can be chosen.
    public enum Kind: String, CaseIterable, Sendable {
        /// Plain SGD.
        case sgd
        /// SGD with heavy-ball momentum.
        case momentum
        /// SGD with Nesterov momentum.
        case nesterov
        /// AdaGrad.
        case adagrad
        /// RMSProp.
        case rmsprop
        /// Adam (the seed text's choice, and the default).
        case adam
    }

    /// Which rule.
    public var kind: Kind
    /// The momentum coefficient μ (momentum, nesterov).
    public var momentum: Float = 0.9
    /// The decay of Adam's first-moment estimate.
    public var beta1: Float = 0.9
    /// The decay of Adam's second-moment estimate.
    public var beta2: Float = 0.999
    /// The decay α of RMSProp's mean square.
    public var alpha: Float = 0.99
    /// The L2 penalty added to every gradient as `weightDecay·p` (all rules; 0 = none).
    public var weightDecay: Float = 0

    /// The rule with its default hyperparameters (torch's defaults).
    public init(_ kind: Kind = .adam) {
        self.kind = kind
    }

    /// The rule named `name` (`sgd`, `momentum`, `nesterov`, `adagrad`, `rmsprop`, `adam`).
    public init(named name: String) throws {
        guard let kind = Kind(rawValue: name) else {
            throw TrainingError.badOption("unknown optimizer \"\(name)\" (\(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.init(kind)
    }

    /// Checks the hyperparameters' ranges; throws `TrainingError.badOption` naming the bad one.
    public func validate() throws {
        guard momentum >= 0 && momentum < 1 else { throw TrainingError.badOption("momentum \(momentum) must be in [0, 1)") }
        guard beta1 >= 0 && beta1 < 1, beta2 >= 0 && beta2 < 1 else {
            throw TrainingError.badOption("beta1 \(beta1) and beta2 \(beta2) must be in [0, 1)")
        }
        guard alpha >= 0 && alpha < 1 else { throw TrainingError.badOption("alpha \(alpha) must be in [0, 1)") }
        guard weightDecay >= 0 else { throw TrainingError.badOption("weight decay \(weightDecay) must be >= 0") }
    }

    /// A fresh optimizer (no state) of this kind.
    public func make() -> any Optimizer {
        switch kind {
        case .sgd: return SGD(weightDecay: weightDecay)
        case .momentum: return Momentum(momentum: momentum, nesterov: false, weightDecay: weightDecay)
        case .nesterov: return Momentum(momentum: momentum, nesterov: true, weightDecay: weightDecay)
        case .adagrad: return AdaGrad(weightDecay: weightDecay)
        case .rmsprop: return RMSProp(alpha: alpha, weightDecay: weightDecay)
        case .adam: return Adam(beta1: beta1, beta2: beta2, weightDecay: weightDecay)
        }
    }

    /// The checkpoint metadata key of the optimizer's name.
    public static let metadataKey = "train.optimizer"

    /// `train.optimizer` = the name, and `train.optimizer.<hyperparameter>` for each of the rule's hyperparameters.
    public var metadata: [String: String] {
        let optimizer = make()
        var result = [Self.metadataKey: optimizer.name]
        for (key, value) in optimizer.hyperparameters { result[Self.metadataKey + "." + key] = value }
        return result
    }
}
