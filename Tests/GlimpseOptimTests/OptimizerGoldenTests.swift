// Golden tests: every optimizer against torch.optim on a 6-element parameter over four steps.
//
// Generated with torch 2.13.0+cpu (CPU, float32), one row per step (the parameter after it):
//
//     import torch
//     p0 = [0.5, -1.0, 2.0, 0.0, 3.0, -0.25]
//     grads = [[0.1, -0.2, 0.3, -0.4, 0.5, 0.0],
//              [-0.3, 0.1, 0.0, 0.2, -0.5, 0.7],
//              [0.05, 0.4, -0.6, 0.0, 0.25, -0.1],
//              [1.0, -1.5, 0.2, 0.3, -0.05, 0.6]]
//     cases = {
//         "sgd": lambda q: torch.optim.SGD([q], lr=0.1),
//         "sgdDecay": lambda q: torch.optim.SGD([q], lr=0.1, weight_decay=0.1),
//         "momentum": lambda q: torch.optim.SGD([q], lr=0.1, momentum=0.9),
//         "momentumDecay": lambda q: torch.optim.SGD([q], lr=0.1, momentum=0.9, weight_decay=0.1),
//         "nesterov": lambda q: torch.optim.SGD([q], lr=0.1, momentum=0.9, nesterov=True),
//         "nesterovDecay": lambda q: torch.optim.SGD([q], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
//         "adagrad": lambda q: torch.optim.Adagrad([q], lr=0.1),
//         "adagradDecay": lambda q: torch.optim.Adagrad([q], lr=0.1, weight_decay=0.1),
//         "rmsprop": lambda q: torch.optim.RMSprop([q], lr=0.01),
//         "rmspropDecay": lambda q: torch.optim.RMSprop([q], lr=0.01, weight_decay=0.1),
//         "adam": lambda q: torch.optim.Adam([q], lr=0.1),
//         "adamDecay": lambda q: torch.optim.Adam([q], lr=0.1, weight_decay=0.1),
//         "adamW": lambda q: torch.optim.AdamW([q], lr=0.1, weight_decay=0.1),
//     }
//     for name, make in cases.items():
//         q = torch.tensor(p0, dtype=torch.float32, requires_grad=True)
//         opt = make(q)
//         print(f"// {name}")
//         for g in grads:
//             q.grad = torch.tensor(g, dtype=torch.float32)
//             opt.step()
//             print("[" + ", ".join("%.9g" % x for x in q.detach().tolist()) + "],")

import GlimpseOptim
import GlimpseTensor
import Testing

/// One torch reference run: an optimizer, the learning rate, and the parameter after each step.
struct GoldenRun: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () -> any Optimizer
    let learningRate: Float
    let expected: [[Float]]

    var testDescription: String { name }

    static let initial: [Float] = [0.5, -1.0, 2.0, 0.0, 3.0, -0.25]
    static let gradients: [[Float]] = [
        [0.1, -0.2, 0.3, -0.4, 0.5, 0.0],
        [-0.3, 0.1, 0.0, 0.2, -0.5, 0.7],
        [0.05, 0.4, -0.6, 0.0, 0.25, -0.1],
        [1.0, -1.5, 0.2, 0.3, -0.05, 0.6],
    ]

    static let all: [GoldenRun] = [
        GoldenRun(name: "sgd", make: { SGD() }, learningRate: 0.1, expected: [
            [0.49000001, -0.980000019, 1.97000003, 0.0400000028, 2.95000005, -0.25],
            [0.520000041, -0.99000001, 1.97000003, 0.0200000014, 3, -0.319999993],
            [0.515000045, -1.02999997, 2.02999997, 0.0200000014, 2.9749999, -0.310000002],
            [0.415000051, -0.879999995, 2.00999999, -0.00999999978, 2.98000002, -0.370000005],
        ]),
        GoldenRun(name: "sgdDecay", make: { SGD(weightDecay: 0.1) }, learningRate: 0.1, expected: [
            [0.484999985, -0.969999969, 1.95000005, 0.0400000028, 2.92000008, -0.247500002],
            [0.510150015, -0.970299959, 1.93050003, 0.0196000021, 2.94080019, -0.315025002],
            [0.500048518, -1.000597, 1.97119498, 0.0194040015, 2.88639212, -0.301874757],
            [0.395048022, -0.840591013, 1.93148303, -0.0107900398, 2.86252809, -0.358856022],
        ]),
        GoldenRun(name: "momentum", make: { Momentum(momentum: 0.9) }, learningRate: 0.1, expected: [
            [0.49000001, -0.980000019, 1.97000003, 0.0400000028, 2.95000005, -0.25],
            [0.511000037, -0.972000003, 1.94300008, 0.0560000017, 2.95500016, -0.319999993],
            [0.524900019, -1.00479996, 1.97870004, 0.0703999996, 2.93450022, -0.372999996],
            [0.437410027, -0.884319961, 1.99083006, 0.0533599965, 2.92105031, -0.480699986],
        ]),
        GoldenRun(name: "momentumDecay", make: { Momentum(momentum: 0.9, weightDecay: 0.1) }, learningRate: 0.1, expected: [
            [0.484999985, -0.969999969, 1.95000005, 0.0400000028, 2.92000008, -0.247500002],
            [0.496649981, -0.943299949, 1.88550007, 0.0556000024, 2.86880016, -0.312775016],
            [0.497168481, -0.949836969, 1.86859512, 0.0690840036, 2.76903224, -0.358394772],
            [0.392663449, -0.796221912, 1.81469464, 0.0505287647, 2.65655065, -0.455868602],
        ]),
        GoldenRun(name: "nesterov", make: { Momentum(momentum: 0.9, nesterov: true) }, learningRate: 0.1, expected: [
            [0.481000006, -0.962000012, 1.94299996, 0.0759999976, 2.90499997, -0.25],
            [0.529900014, -0.9648, 1.91869998, 0.0703999922, 2.95950007, -0.382999986],
            [0.537410021, -1.03432, 2.01082993, 0.0833599865, 2.91604996, -0.420699984],
            [0.358669013, -0.775887966, 2.00174689, 0.0380239822, 2.90894485, -0.577629983],
        ]),
        GoldenRun(name: "nesterovDecay", make: { Momentum(momentum: 0.9, nesterov: true, weightDecay: 0.1) }, learningRate: 0.1, expected: [
            [0.471500009, -0.943000019, 1.90499997, 0.0759999976, 2.84800005, -0.245250002],
            [0.507391512, -0.919782996, 1.82830501, 0.0689559951, 2.8240881, -0.371565253],
            [0.497796923, -0.956898808, 1.85568666, 0.0799902305, 2.68204165, -0.398396492],
            [0.298770189, -0.659399986, 1.76952684, 0.032021828, 2.56065774, -0.541319132],
        ]),
        GoldenRun(name: "adagrad", make: { AdaGrad() }, learningRate: 0.1, expected: [
            [0.399999976, -0.899999976, 1.89999998, 0.100000009, 2.9000001, -0.25],
            [0.494868308, -0.944721341, 1.89999998, 0.0552786477, 2.97071075, -0.349999994],
            [0.479250938, -1.03200853, 1.98944271, 0.0552786477, 2.93737745, -0.335857868],
            [0.384012818, -0.936372042, 1.96087122, -0.000429950655, 2.94402933, -0.400557518],
        ]),
        GoldenRun(name: "adagradDecay", make: { AdaGrad(weightDecay: 0.1) }, learningRate: 0.1, expected: [
            [0.400000006, -0.899999976, 1.89999998, 0.100000009, 2.9000001, -0.149999991],
            [0.486618578, -0.903331459, 1.86447823, 0.0535166189, 2.92539001, -0.249933466],
            [0.455393046, -0.975134969, 1.92564464, 0.0523321144, 2.87054181, -0.231994212],
            [0.359668672, -0.87859118, 1.87543261, -0.00364845246, 2.84723663, -0.2957623],
        ]),
        GoldenRun(name: "rmsprop", make: { RMSProp() }, learningRate: 0.01, expected: [
            [0.400000095, -0.900000036, 1.9000001, 0.0999999791, 2.9000001, -0.25],
            [0.494915873, -0.944901347, 1.9000001, 0.055098664, 2.97088814, -0.349999994],
            [0.479214102, -1.03237534, 1.98962128, 0.055098664, 2.9373312, -0.335788041],
            [0.383884609, -0.936680734, 1.96086514, -0.00115059316, 2.94406104, -0.400861472],
        ]),
        GoldenRun(name: "rmspropDecay", make: { RMSProp(weightDecay: 0.1) }, learningRate: 0.01, expected: [
            [0.400000066, -0.900000036, 1.89999998, 0.0999999791, 2.9000001, -0.150000393],
            [0.48672694, -0.903348267, 1.86432195, 0.0533333272, 2.92550945, -0.249934524],
            [0.455321074, -0.975499988, 1.92584991, 0.052142255, 2.87028742, -0.231907696],
            [0.359512031, -0.878891885, 1.87522674, -0.0043736361, 2.84672332, -0.29605031],
        ]),
        GoldenRun(name: "adam", make: { Adam() }, learningRate: 0.1, expected: [
            [0.400000006, -0.899999976, 1.89999998, 0.100000009, 2.9000001, -0.25],
            [0.449418992, -0.873366296, 1.83299422, 0.126633719, 2.90526319, -0.324413687],
            [0.477168798, -0.91909945, 1.86699772, 0.147221655, 2.88779068, -0.372318357],
            [0.42874229, -0.87445724, 1.87707436, 0.128815547, 2.87738013, -0.439847082],
        ]),
        GoldenRun(name: "adamDecay", make: { Adam(weightDecay: 0.1) }, learningRate: 0.1, expected: [
            [0.400000036, -0.900000036, 1.89999998, 0.100000009, 2.9000001, -0.150000036],
            [0.430992395, -0.835511744, 1.81092334, 0.124716848, 2.85409451, -0.221921653],
            [0.434938192, -0.847593009, 1.79614401, 0.142051339, 2.78957677, -0.265437126],
            [0.380220413, -0.794183373, 1.75720906, 0.120501079, 2.7249341, -0.329907447],
        ]),
        GoldenRun(name: "adamW", make: { Adam(weightDecay: 0.1, decoupled: true) }, learningRate: 0.1, expected: [
            [0.395000011, -0.889999986, 1.88, 0.100000009, 2.87000012, -0.247500002],
            [0.440468997, -0.854466319, 1.79419422, 0.125633717, 2.84656334, -0.319438696],
            [0.46381411, -0.891654789, 1.81025577, 0.144965306, 2.80062532, -0.364148974],
            [0.410749465, -0.838096023, 1.80222988, 0.125109553, 2.76220846, -0.428036213],
        ]),
    ]
}

@Suite("Optimizers match torch.optim")
struct OptimizerGoldenTests {
    @Test("four steps on a 6-element parameter", arguments: GoldenRun.all)
    func matchesTorch(_ run: GoldenRun) {
        var optimizer = run.make()
        var parameter = Tensor(shape: [2, 3], scalars: GoldenRun.initial)
        for (k, gradient) in GoldenRun.gradients.enumerated() {
            optimizer.update("w", parameter: &parameter, gradient: Tensor(shape: [2, 3], scalars: gradient),
                             learningRate: run.learningRate)
            #expect(isClose(parameter.scalars, run.expected[k]), "\(run.name) step \(k + 1): \(parameter.scalars)")
        }
    }

    @Test("step(_:gradients:) updates each parameter like update(_:...) on its own")
    func stepMatchesUpdate() {
        var model = TinyModel()
        var optimizer = Adam(weightDecay: 0.01, decoupled: true)
        var reference = Adam(weightDecay: 0.01, decoupled: true)
        var expected = model.parameters
        for k in 0..<3 {
            let gradients = tinyGradients(step: k)
            optimizer.step(&model, gradients: gradients, learningRate: 0.05)
            for name in expected.keys.sorted() {
                reference.update(name, parameter: &expected[name]!, gradient: gradients[name]!, learningRate: 0.05)
            }
        }
        #expect(model.parameters == expected)
    }

    @Test("names and hyperparameters for checkpoint metadata")
    func metadata() {
        let optimizers: [any Optimizer] = [SGD(), Momentum(), Momentum(nesterov: true), AdaGrad(), RMSProp(), Adam()]
        #expect(optimizers.map(\.name) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
        #expect(Adam(weightDecay: 0.01, decoupled: true).hyperparameters == [
            "beta1": "0.9", "beta2": "0.999", "epsilon": "1e-08", "weightDecay": "0.01", "decoupled": "true",
        ])
        #expect(Momentum().hyperparameters == ["momentum": "0.9", "weightDecay": "0.0"])
        #expect(AdaGrad().hyperparameters["epsilon"] == "1e-10")
        #expect(RMSProp().hyperparameters == ["alpha": "0.99", "epsilon": "1e-08", "weightDecay": "0.0"])
    }
}
