import Foundation
import MergeCore

/// `eval --html`: the report as one self-contained page (inline CSS and SVG, no network, no JavaScript):
/// the headline, the precision/coverage curve with the baselines as points, the per-language table with
/// bars, the per-merge table, and each region resolved wrongly or left, as diffs against the base.
public struct EvaluationPage {
    public let report: EvaluationReport

    public init(report: EvaluationReport) {
        self.report = report
    }

    public var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>mergebert eval: \(escape(report.repo))</title>
            <style>\(Self.style)</style></head><body>
            <h1>mergebert eval: \(escape(report.repo))</h1>

            """
        page += headline + curveSection + languageSection + repositorySection + mergeSection + exampleSection + provenanceSection
        page += "</body></html>\n"
        return page
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;text-align:right;border-bottom:1px solid #eee}
        td:first-child,th:first-child{text-align:left}.bar{display:inline-block;height:.8em;background:#4a7}
        .bar.wrong{background:#c54}.bar.left{background:#ddd}.figure{font-size:1.6em;font-weight:600}.headline td{text-align:left}
        pre{background:#f7f7f7;padding:.4em;overflow-x:auto;margin:.2em 0;font-size:12px}
        .add{background:#dfd}.del{background:#fdd}details{margin:.6em 0;border:1px solid #ddd;padding:.3em .6em}
        summary{cursor:pointer}.sides{display:grid;grid-template-columns:1fr 1fr;gap:.5em}.muted{color:#777}
        """

    // MARK: sections

    var headline: String {
        let code = report.code.isEmpty ? report.tools : report.code
        let scope = report.code.isEmpty ? "all located regions" : "code files"
        let mergebert = code[Tool.mergebert.rawValue] ?? ToolScore()
        var rows = "<table class=\"headline\" id=\"headline\">"
        rows += "<tr><td>merges replayed</td><td class=\"figure\" data-key=\"merges_replayed\">\(report.mergesReplayed)</td>"
            + "<td>with conflicts</td><td data-key=\"merges_with_conflicts\">\(report.mergesWithConflicts)</td></tr>"
        rows += "<tr><td>regions</td><td class=\"figure\" data-key=\"regions\">\(report.regions)</td>"
            + "<td>located (the developer's text found)</td><td data-key=\"regions_located\">\(report.regionsLocated)</td></tr>"
        rows += "<tr><td>precision (\(scope))</td><td class=\"figure\" data-key=\"precision\">\(percent(mergebert.resolved == 0 ? nil : mergebert.precision))</td>"
            + "<td>coverage</td><td data-key=\"coverage\">\(percent(mergebert.coverage))</td></tr>"
        rows += "<tr><td>accuracy</td><td class=\"figure\" data-key=\"accuracy\">\(percent(mergebert.accuracy))</td><td>resolved</td>"
            + "<td data-key=\"resolved\">\(mergebert.resolved) (\(mergebert.correct) right, \(mergebert.resolved - mergebert.correct) wrong)</td></tr>"
        rows += "</table>"
        var baselines = "<table id=\"tools\"><tr><th>\(scope)</th><th>resolved</th><th>right</th><th>precision</th><th>accuracy</th><th>coverage</th></tr>"
        for tool in Tool.allCases {
            guard let score = code[tool.rawValue] else { continue }
            baselines += "<tr><td>\(tool.rawValue)</td><td>\(score.resolved)</td><td>\(score.correct)</td>"
                + "<td>\(percent(score.resolved == 0 ? nil : score.precision))</td><td>\(percent(score.accuracy))</td><td>\(percent(score.coverage))</td></tr>"
        }
        baselines += "</table>"
        let versus = code[Tool.tokenMergeElseOurs.rawValue].map { baseline in
            "<p>Accuracy \(percent(mergebert.accuracy)) against \(percent(baseline.accuracy)) for the token merge else ours "
                + "(every region answered), \(percent(code[Tool.takeOurs.rawValue]?.accuracy ?? 0)) for ours.</p>"
        } ?? ""
        return "<h2>Headline</h2>" + rows + versus + baselines
    }

    /// The precision/coverage curve of code files (else all regions), with each baseline as a point.
    var curveSection: String {
        let points = report.code.isEmpty ? report.curve : report.codeCurve
        let scores = report.code.isEmpty ? report.tools : report.code
        let (width, height, margin) = (520.0, 320.0, 45.0)
        func x(_ coverage: Double) -> Double { margin + coverage * (width - 2 * margin) }
        func y(_ precision: Double) -> Double { height - margin - precision * (height - 2 * margin) }
        var svg = "<svg id=\"curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" "
            + "aria-label=\"precision against coverage\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += "<line x1=\"\(x(0))\" y1=\"\(y(tick))\" x2=\"\(x(1))\" y2=\"\(y(tick))\" stroke=\"#eee\"/>"
                + "<text x=\"\(x(0) - 6)\" y=\"\(y(tick) + 4)\" font-size=\"11\" text-anchor=\"end\">\(Int(tick * 100))%</text>"
                + "<text x=\"\(x(tick))\" y=\"\(height - margin + 16)\" font-size=\"11\" text-anchor=\"middle\">\(Int(tick * 100))%</text>"
        }
        svg += "<text x=\"\(width / 2)\" y=\"\(height - 6)\" font-size=\"12\" text-anchor=\"middle\">coverage</text>"
            + "<text x=\"12\" y=\"\(height / 2)\" font-size=\"12\" transform=\"rotate(-90 12 \(height / 2))\" text-anchor=\"middle\">precision</text>"
        let drawn = points.filter { $0.precision != nil }
        if !drawn.isEmpty {
            svg += "<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"2\" points=\""
                + drawn.map { "\(x($0.coverage)),\(y($0.precision!))" }.joined(separator: " ") + "\"/>"
            for point in drawn {
                svg += "<circle class=\"threshold\" cx=\"\(x(point.coverage))\" cy=\"\(y(point.precision!))\" r=\"3\" fill=\"#36c\">"
                    + "<title>threshold \(point.threshold): \(percent(point.precision)) at \(percent(point.coverage))</title></circle>"
            }
        }
        let colours = ["#c54", "#a60", "#690", "#888", "#000"]
        var legend = ""
        for (index, tool) in [Tool.takeOurs, .takeTheirs, .tokenMerge, .tokenMergeElseOurs, .mergebert].enumerated() {
            guard let score = scores[tool.rawValue], score.resolved > 0 else { continue }
            let (cx, cy) = (x(score.coverage), y(score.precision))
            svg += "<rect class=\"baseline\" x=\"\(cx - 4)\" y=\"\(cy - 4)\" width=\"8\" height=\"8\" fill=\"\(colours[index])\">"
                + "<title>\(tool.rawValue)</title></rect>"
            legend += "<span style=\"color:\(colours[index])\">■</span> \(tool.rawValue) "
        }
        svg += "</svg>"
        let table = "<table id=\"curve-table\"><tr><th>threshold</th><th>resolved</th><th>right</th><th>precision</th><th>coverage</th></tr>"
            + points.map { "<tr><td>\($0.threshold)</td><td>\($0.resolved)</td><td>\($0.correct)</td><td>\(percent($0.precision))</td><td>\(percent($0.coverage))</td></tr>" }.joined()
            + "</table>"
        return "<h2>Precision and coverage by threshold</h2><p>The line: mergebert taking only candidates at or above each threshold. "
            + "The squares: the baselines. \(legend)</p>" + svg + table
    }

    var languageSection: String {
        var rows = "<table id=\"languages\"><tr><th>language</th><th>regions</th><th>resolved</th><th>right</th><th>wrong</th><th>precision</th><th></th></tr>"
        let ordered = report.byLanguage.sorted { ($0.value[Tool.git.rawValue]?.regions ?? 0) > ($1.value[Tool.git.rawValue]?.regions ?? 0) }
        let most = max(1, ordered.first?.value[Tool.git.rawValue]?.regions ?? 1)
        for (language, scores) in ordered {
            let score = scores[Tool.mergebert.rawValue] ?? ToolScore()
            let scale = 200.0 / Double(most)
            rows += "<tr><td>\(escape(language))</td><td>\(score.regions)</td><td>\(score.resolved)</td><td>\(score.correct)</td>"
                + "<td>\(score.resolved - score.correct)</td><td>\(percent(score.resolved == 0 ? nil : score.precision))</td><td style=\"text-align:left\">"
                + "<span class=\"bar\" style=\"width:\(Int(Double(score.correct) * scale))px\"></span>"
                + "<span class=\"bar wrong\" style=\"width:\(Int(Double(score.resolved - score.correct) * scale))px\"></span>"
                + "<span class=\"bar left\" style=\"width:\(Int(Double(score.regions - score.resolved) * scale))px\"></span></td></tr>"
        }
        return "<h2>By language</h2><p class=\"muted\">Bars: regions resolved right (green), wrong (red), left with markers (grey).</p>" + rows + "</table>"
    }

    var repositorySection: String {
        guard report.byRepository.count > 1 else { return "" }
        var rows = "<table id=\"repositories\"><tr><th>repository (code)</th><th>regions</th><th>resolved</th><th>right</th><th>precision</th><th>coverage</th>"
            + "<th>accuracy</th><th>token merge else ours</th></tr>"
        for (repository, scores) in report.byRepository.sorted(by: { $0.key < $1.key }) {
            let score = scores[Tool.mergebert.rawValue] ?? ToolScore()
            rows += "<tr><td>\(escape(repository))</td><td>\(score.regions)</td><td>\(score.resolved)</td><td>\(score.correct)</td>"
                + "<td>\(percent(score.resolved == 0 ? nil : score.precision))</td><td>\(percent(score.coverage))</td><td>\(percent(score.accuracy))</td>"
                + "<td>\(percent(scores[Tool.tokenMergeElseOurs.rawValue]?.accuracy ?? 0))</td></tr>"
        }
        return "<h2>By repository</h2>" + rows + "</table>"
    }

    var mergeSection: String {
        var rows = "<table id=\"merges\"><tr><th>commit</th><th>subject</th><th>date</th><th>regions</th><th>resolved</th><th>right</th><th>wrong</th></tr>"
        for merge in report.merges {
            let repository = report.byRepository.count > 1 ? "\(escape(merge.repo)) " : ""
            rows += "<tr><td><code>\(repository)\(merge.commit.prefix(10))</code></td><td style=\"text-align:left\">\(escape(merge.subject))</td>"
                + "<td>\(merge.date)</td><td>\(merge.regions)</td><td>\(merge.resolved)</td><td>\(merge.right)</td><td>\(merge.wrong)</td></tr>"
        }
        return "<h2>Merges with conflicts (\(report.merges.count))</h2>" + rows + "</table>"
    }

    var exampleSection: String {
        let wrong = report.examples.filter { $0.status == .wrong }
        let left = report.examples.filter { $0.status == .left }
        var section = "<h2>Resolved wrongly (\(wrong.count))</h2>" + wrong.map(example).joined()
        section += "<h2>Left with git's markers (\(left.count) shown)</h2>" + left.map(example).joined()
        if report.examplesOmitted > 0 { section += "<p class=\"muted\">\(report.examplesOmitted) more regions wrong or left are not shown.</p>" }
        return section
    }

    var provenanceSection: String {
        guard let provenance = report.provenance else { return "" }
        var items = ["mergebert \(escape(provenance.toolVersion))"]
        items.append(provenance.model.map { "model \(escape($0)) (\(provenance.modelDigest ?? ""))" } ?? "no model: clean token merges only")
        if let thresholds = provenance.thresholds {
            items.append("thresholds " + thresholds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let references = provenance.references { items.append("refs " + references.joined(separator: " ")) }
        if let revision = provenance.revision { items.append("revision \(escape(revision))") }
        if let parts = provenance.parts { items.append("combined from " + parts.map(escape).joined(separator: ", ")) }
        if report.unique { items.append("--unique: \(report.duplicates) repeated regions left out") }
        return "<h2>What produced this report</h2><p id=\"provenance\">" + items.joined(separator: "; ") + "</p>"
    }

    // MARK: pieces

    func example(_ region: RegionExample) -> String {
        let title = "\(region.repo) \(region.commit.prefix(10)) \(region.path) region \(region.region): \(region.reason)"
        var body = "<details class=\"example \(region.status.rawValue)\"><summary>\(escape(title))</summary><div class=\"sides\">"
        body += "<div>ours against base" + diff(region.base, region.ours) + "</div>"
        body += "<div>theirs against base" + diff(region.base, region.theirs) + "</div>"
        let label = region.status == .wrong ? "what mergebert wrote" : "its best candidate, not written"
        body += "<div>\(label), against the developer's" + (region.candidate.map { diff(region.developer, $0) } ?? "<pre class=\"muted\">no candidate</pre>") + "</div>"
        body += "<div>the developer's resolution<pre>\(escape(region.developer))</pre></div>"
        body += "</div>" + (region.truncated ? "<p class=\"muted\">cut to \(RegionExample.maximumBytes) bytes</p>" : "") + "</details>"
        return body
    }

    /// A line diff from `old` to `new`: removed lines red, added green, the rest plain.
    func diff(_ old: String, _ new: String) -> String {
        let oldLines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let newLines = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var interner = Interner<String>()
        let oldIDs = interner.ids(oldLines)
        let newIDs = interner.ids(newLines)
        var html = "<pre>"
        var oldIndex = 0, newIndex = 0
        for hunk in SequenceDiff.diff(oldIDs, newIDs, algorithm: .histogram) {
            while oldIndex < hunk.oldStart { html += " " + escape(oldLines[oldIndex]) + "\n"; oldIndex += 1; newIndex += 1 }
            for line in oldLines[hunk.oldStart..<(hunk.oldStart + hunk.oldCount)] { html += "<span class=\"del\">-" + escape(line) + "</span>\n" }
            for line in newLines[hunk.newStart..<(hunk.newStart + hunk.newCount)] { html += "<span class=\"add\">+" + escape(line) + "</span>\n" }
            oldIndex = hunk.oldStart + hunk.oldCount
            newIndex = hunk.newStart + hunk.newCount
        }
        while oldIndex < oldLines.count { html += " " + escape(oldLines[oldIndex]) + "\n"; oldIndex += 1 }
        return html + "</pre>"
    }

    func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
