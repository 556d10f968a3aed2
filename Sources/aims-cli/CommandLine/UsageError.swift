/// A command-line mistake; printed with the command's usage, exit code 64 (EX_USAGE).
struct UsageError: Error {
    var message: String
}
