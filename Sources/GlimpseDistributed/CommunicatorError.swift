// CommunicatorError: why MPI could not start. The launcher, the network and Open MPI's set-up are
// the outside world, so a failed start is a thrown error with its cause, not a crash.

/// Why `Communicator.start()` failed.
public enum CommunicatorError: Error, Equatable, CustomStringConvertible {
    /// `MPI_Init_thread` returned `status`; `reason` is Open MPI's text for it (MPI_Error_string).
    case initFailed(status: Int32, reason: String)
    /// Open MPI gave a lower thread level than MPI_THREAD_FUNNELED (the compute workers run beside MPI).
    case threadSupport(provided: Int32)
    /// An environment variable (`GLIMPSE_MPI_TIMEOUT`, ...) holds `value`, which is not what it must be.
    case badSetting(variable: String, value: String, expected: String)

    /// The message printed before the job ends.
    public var description: String {
        switch self {
        case let .initFailed(status, reason):
            return "MPI: MPI_Init_thread failed with status \(status) (\(reason)); was this process started by mpirun from the same Open MPI installation?"
        case let .threadSupport(provided):
            return "MPI: Open MPI provides thread level \(provided), below MPI_THREAD_FUNNELED, which Glimpse needs (threads compute beside the thread that calls MPI)"
        case let .badSetting(variable, value, expected):
            return "MPI: \(variable)=\(value): expected \(expected)"
        }
    }
}
