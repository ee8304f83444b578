// Golden tests: the learning-rate schedules against torch.optim.lr_scheduler, step by step.
//
// Generated with torch 2.13.0+cpu; each list is the rate optimizer step k (from 0) uses:
//
//     import torch
//     def run(make_sched, steps):
//         q = torch.zeros(1, requires_grad=True)
//         opt = torch.optim.SGD([q], lr=0.1)
//         sched = make_sched(opt)
//         lrs = []
//         for _ in range(steps):
//             lrs.append(opt.param_groups[0]["lr"])  # the rate optimizer step k uses
//             opt.step(); sched.step()
//         print("[" + ", ".join("%.9g" % x for x in lrs) + "],")
//     run(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 11)
//     run(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001), 9)
//     run(lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
//             torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=4),
//             torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001)], milestones=[4]), 11)

import GlimpseOptim
import Testing

@Suite("Learning-rate schedules match torch.optim.lr_scheduler")
struct ScheduleGoldenTests {
    /// The rates of steps `0..<count`.
    func rates(_ schedule: any LearningRateSchedule, _ count: Int) -> [Float] {
        (0..<count).map { schedule.learningRate(atStep: $0) }
    }

    @Test func constant() {
        #expect(rates(ConstantSchedule(learningRate: 0.05), 5) == [0.05, 0.05, 0.05, 0.05, 0.05])
    }

    @Test func stepMatchesStepLR() {
        let expected: [Float] = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125]
        #expect(isClose(rates(StepSchedule(base: 0.1, stepSize: 3, gamma: 0.5), 11), expected))
    }

    /// MultiStepLR(milestones=[2, 5], gamma=0.1) from lr 0.1 by its definition (torch was not at
    /// hand for this one): the rate is multiplied by gamma at each milestone step.
    @Test func milestonesMatchMultiStepLR() {
        let expected: [Float] = [0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001]
        #expect(isClose(rates(StepSchedule(base: 0.1, milestones: [2, 5], gamma: 0.1), 7), expected))
        #expect(StepSchedule(base: 0.1, milestones: [], gamma: 0.1).learningRate(atStep: 100) == 0.1)
    }

    @Test func cosineMatchesCosineAnnealingLR() {
        let expected: [Float] = [0.1, 0.0962320369, 0.0855017857, 0.0694428299, 0.0505, 0.0315571701,
                                 0.0154982143, 0.00476796314, 0.001]
        let schedule = CosineSchedule(base: 0.1, minimum: 0.001, totalSteps: 8)
        #expect(isClose(rates(schedule, 9), expected))
        // Past the end it stays at the minimum (torch's closed form would climb again).
        #expect(schedule.learningRate(atStep: 9) == 0.001)
        #expect(schedule.learningRate(atStep: 1000) == 0.001)
    }

    @Test func warmupMatchesSequentialLinearThenCosine() {
        let expected: [Float] = [0.01, 0.0325, 0.055, 0.0775, 0.1, 0.0933682575, 0.07525, 0.0505, 0.02575,
                                 0.00763174251, 0.001]
        let schedule = WarmupSchedule(
            wrapping: CosineSchedule(base: 0.1, minimum: 0.001, totalSteps: 6), warmupSteps: 4, startFactor: 0.1)
        #expect(isClose(rates(schedule, 11), expected))
    }

    @Test func zeroWarmupIsTheWrappedSchedule() {
        let wrapped = StepSchedule(base: 0.2, stepSize: 2, gamma: 0.1)
        #expect(rates(WarmupSchedule(wrapping: wrapped, warmupSteps: 0), 6) == rates(wrapped, 6))
    }
}
