
/// The driver's command line, read leniently: nothing in it may stop git's merge from reaching `%A`.
///
/// Positional arguments are git's placeholders in order: `%O %A %B %L %P %S %X %Y` (the last four
/// optional; git 2.39 passes `%S %X %Y` literally). Options the driver understands are used; any other
/// option is reported and ignored.
public struct DriverArguments: Equatable, Sendable {
    public var base: String?
    public var ours: String?
    public var theirs: String?
    public var markerSize = 7
    public var path: String?
    public var baseLabel: String?
    public var oursLabel: String?
    public var theirsLabel: String?
    public var threshold: Double?
    public var model: String?
    public var noModel = false
    /// What was not understood, one entry per argument, for a one-line report.
    public var ignored: [String] = []

    /// Options that take a value, by name.
    static let valueOptions: Set<String> = ["--threshold", "--model"]

    public init(_ arguments: [String]) {
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                positional.append(argument)
                continue
            }
            if argument == "--" {
                positional += arguments[index...]
                break
            }
            var name = argument, value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else if Self.valueOptions.contains(argument), index < arguments.count {
                value = arguments[index]
                index += 1
            }
            switch name {
            case "--threshold":
                if let number = value.flatMap(Double.init), (0...1).contains(number) { threshold = number } else {
                    ignored.append("\(argument) \(value ?? "") (not a probability between 0 and 1)")
                }
            case "--model": if let value { model = value } else { ignored.append(argument) }
            case "--no-model": noModel = true
            default: ignored.append(argument)
            }
        }
        // An option this version does not know may have taken a value: the three files are the first run
        // of three positional arguments that exist.
        if positional.count > 3, !(0..<3).allSatisfy({ PlainFile.exists(positional[$0]) }),
           let start = (1...(positional.count - 3)).first(where: { start in
               (start..<(start + 3)).allSatisfy { PlainFile.exists(positional[$0]) } }) {
            ignored += positional[..<start]
            positional.removeFirst(start)
        }
        func take(_ position: Int) -> String? { position < positional.count ? positional[position] : nil }
        (base, ours, theirs) = (take(0), take(1), take(2))
        if let size = take(3) {
            if let number = Int(size), number > 0 { markerSize = number } else { ignored.append("marker size \(size)") }
        }
        (path, baseLabel, oursLabel, theirsLabel) = (take(4), take(5), take(6), take(7))
        if positional.count > 8 { ignored += positional[8...] }
    }
}

/// Labels git passed itself (`%S %X %Y`, git 2.44 and later); literal placeholders and empty ones are ignored.
public struct PassedLabels: Sendable {
    public var base: String?
    public var ours: String?
    public var theirs: String?

    public init(base: String? = nil, ours: String? = nil, theirs: String? = nil) {
        func real(_ value: String?, _ placeholder: String) -> String? {
            guard let value, value != placeholder, !value.isEmpty else { return nil }
            return value
        }
        self.base = real(base, "%S")
        self.ours = real(ours, "%X")
        self.theirs = real(theirs, "%Y")
    }
}

extension DriverArguments {
    /// The labels of the driver line's `%S %X %Y`, where git filled them in.
    public var passedLabels: PassedLabels { PassedLabels(base: baseLabel, ours: oursLabel, theirs: theirsLabel) }
}
