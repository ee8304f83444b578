// ReportPage: report.html, a gallery that opens from disk without a server: thumbnails (with
// boxes drawn) embedded as data: URLs, the top class, caption and box count of each image,
// buttons that sort by score or restore input order, and the failed and skipped files. An
// image a stage judged out of its domain says so under its thumbnail, with the distances.

import Foundation
import GlimpseFiles

/// The HTML report of one run.
struct ReportPage {
    let pipelineName: String
    let output: URL
    let items: [InputItem]
    let entries: [LedgerEntry]
    let results: [(stem: String, result: ImageResult)]
    let thumbnail: (String) throws -> URL

    /// Writes the page to `url` atomically, a card at a time, so memory holds one thumbnail
    /// rather than the whole page.
    func write(to url: URL) throws {
        try AtomicFile.write(to: url) { stream in
            let parts = html()
            try stream.write(parts.head)
            for order in results.indices { try stream.write(card(order)) }
            try stream.write(parts.tail)
        }
    }

    /// One image's card.
    private func card(_ order: Int) -> String {
        let record = results[order]
        let result = record.result
        let thumbnailData = (try? Data(contentsOf: thumbnail(record.stem)))?.base64EncodedString() ?? ""
        var lines = [String]()
        if let top = result.classes?.first { lines.append(String(format: "%@ %.3f", top.label, top.probability)) }
        if let boxes = result.exportedBoxes {
            let best = boxes.first.map { String(format: ", best %@ %.2f", $0.category, $0.score) } ?? ""
            lines.append("\(boxes.count) boxes\(best)")
        }
        if let segmentation = result.segmentation { lines.append("classes: " + segmentation.classes.joined(separator: ", ")) }
        if let caption = result.captions?.first { lines.append("\u{201C}\(caption.text)\u{201D}") }
        if let records = result.outOfDomain {
            let verdicts = records.map { String(format: "%@: distance %.1f > %.1f", $0.stage.rawValue, $0.distance, $0.threshold) }
            lines.append("out of domain (" + verdicts.joined(separator: "; ") + ")")
        }
        return """
            <figure class="card" data-order="\(order)" data-score="\(result.headlineScore)">
            <img src="data:image/jpeg;base64,\(thumbnailData)" alt="\(escape(record.stem))">
            <figcaption><b>\(escape(record.stem))</b><br>\(lines.map(escape).joined(separator: "<br>"))</figcaption>
            </figure>

            """
    }

    /// The page before and after the cards.
    private func html() -> (head: String, tail: String) {
        let failed = entries.filter { $0.status == .failed }
        let skipped = entries.filter { $0.status == .skipped }
        let outOfDomain = results.filter { $0.result.outOfDomain != nil }.count
        let failedRows = failed.map { "<tr><td>\(escape($0.path))</td><td>\(escape($0.error ?? ""))</td></tr>" }.joined(separator: "\n")
        let skippedRows = skipped.map { "<li>\(escape($0.path))</li>" }.joined(separator: "\n")
        let head = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Glimpse report: \(escape(pipelineName))</title>
            <style>
            body{font-family:sans-serif;margin:1em}
            #gallery{display:flex;flex-wrap:wrap;gap:8px}
            .card{margin:0;width:210px;border:1px solid #ccc;padding:4px;font-size:12px}
            .card img{max-width:200px;max-height:200px;display:block}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}
            #failed-list td{background:#ffd0d0}
            </style></head><body>
            <h1>Glimpse run: \(escape(pipelineName))</h1>
            <p id="summary">\(results.count) images processed (\(outOfDomain) out of domain), \(failed.count) failed, \(skipped.count) skipped (not images).</p>
            <p><button onclick="sortBy('score')">Sort by score</button> <button onclick="sortBy('order')">Input order</button></p>
            <div id="gallery">

            """
        let tail = """
            </div>
            <h2 id="failed">Failed files (\(failed.count))</h2>
            <table id="failed-list"><tr><th>file</th><th>reason</th></tr>
            \(failedRows)
            </table>
            <h2>Skipped files (\(skipped.count))</h2>
            <ul>
            \(skippedRows)
            </ul>
            <script>
            function sortBy(key){var g=document.getElementById('gallery');var c=Array.from(g.children);
            c.sort(function(a,b){return key==='score'?parseFloat(b.dataset.score)-parseFloat(a.dataset.score):a.dataset.order-b.dataset.order;});
            c.forEach(function(e){g.appendChild(e);});}
            </script>
            </body></html>

            """
        return (head, tail)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
