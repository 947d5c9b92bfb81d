import ArgumentParser

@main
struct MergeBERT: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mergebert", abstract: "Three-way merge-conflict resolver.")
}
