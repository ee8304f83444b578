// The optimizer options of every training command: the update rule by name and the
// hyperparameters that apply to it (the learning rate and its schedule are the recipe's).

import ArgumentParser
import GlimpseTraining

/// `--optimizer NAME` and its hyperparameters.
struct OptimizerOptions: ParsableArguments {
    @Option(name: .customLong("optimizer"), help: "Update rule: sgd, momentum, nesterov, adagrad, rmsprop or adam.")
    var name = "adam"
    @Option(help: "Momentum coefficient (momentum, nesterov).")
    var momentum: Float = 0.9
    @Option(help: "Adam's decay of the mean gradient.")
    var beta1: Float = 0.9
    @Option(help: "Adam's decay of the mean squared gradient.")
    var beta2: Float = 0.999
    @Option(help: "RMSProp's decay of the mean squared gradient.")
    var alpha: Float = 0.99
    @Option(help: "L2 penalty added to every gradient (any optimizer).")
    var weightDecay: Float = 0

    func validate() throws {
        do {
            try choice().validate()
        } catch let error as TrainingError {
            throw ValidationError("--optimizer: \(error)")
        }
    }

    /// The optimizer the options name, with their hyperparameters.
    func choice() throws -> OptimizerChoice {
        var choice = try OptimizerChoice(named: name)
        choice.momentum = momentum
        choice.beta1 = beta1
        choice.beta2 = beta2
        choice.alpha = alpha
        choice.weightDecay = weightDecay
        return choice
    }
}

/// The update rule and the step recipe the box and label-map trainers (`train detector`,
/// `train proposer`, `train segmenter`) share: optimizer, base learning rate, schedule, warm-up,
/// seed and frozen prefixes. The schedule and warm-up default to what each command's recipe says.
struct StepRecipeOptions: ParsableArguments {
    @OptionGroup var optimizer: OptimizerOptions
    @Option(help: "The optimizer's base learning rate.")
    var learningRate: Float = 0.001
    @Option(help: "Learning-rate schedule: constant, cosine or step (x0.1 at 50% and 75%); default: the command's (detector, proposer: step; segmenter: cosine).")
    var schedule: String?
    @Option(help: "Epochs of linear learning-rate warm-up (default: detector 1, none when --epochs is 1; proposer and segmenter 0).")
    var warmupEpochs: Int?
    @Option(help: "Seed for initialisation, data order, sampling and dropout.")
    var seed: UInt64 = 1
    @Option(help: "Comma-separated parameter-name prefixes to freeze (e.g. conv for the whole trunk).")
    var freeze = ""

    /// The frozen prefixes `--freeze` lists.
    var frozenPrefixes: [String] { freeze.split(separator: ",").map { String($0) } }
}
