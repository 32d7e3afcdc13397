import Foundation

/// Charts drawn on the server as SVG (no script, no external files): funnel, bar, line and pie.
/// Labels are escaped; sizes are fixed so the chart scales with the page.
enum Charts {
    struct Point {
        let label: String
        let value: Double
        let display: String
    }

    static let colors = ["#1d4ed8", "#0891b2", "#059669", "#ca8a04", "#ea580c", "#dc2626", "#7c3aed", "#db2777", "#4b5563", "#65a30d"]

    /// `empty`: what the chart says when there is nothing to draw.
    static func svg(_ kind: String, _ points: [Point], title: String, empty: String = "—") -> String {
        guard !points.isEmpty else {
            return svgFrame(title: title, height: 60) { "<text x=\"20\" y=\"35\" fill=\"#829ab1\">\(HTML.escape(empty))</text>" }
        }
        switch kind {
        case "funnel": return funnel(points, title: title)
        case "line": return line(points, title: title)
        case "pie": return pie(points, title: title)
        default: return bars(points, title: title)
        }
    }

    static func svgFrame(title: String, height: Int, _ body: () -> String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 720 \(height)\" width=\"100%\" role=\"img\" aria-label=\"\(HTML.escape(title))\" font-family=\"system-ui,sans-serif\" font-size=\"13\">"
            + "<title>\(HTML.escape(title))</title>" + body() + "</svg>"
    }

    /// Horizontal bars, largest first as given.
    static func bars(_ points: [Point], title: String) -> String {
        let top = max(points.map(\.value).max() ?? 1, 1e-9)
        let height = points.count * 28 + 20
        return svgFrame(title: title, height: height) {
            points.enumerated().map { index, point in
                let y = 10 + index * 28
                let width = max(2, point.value / top * 440)
                return "<text x=\"170\" y=\"\(y + 17)\" text-anchor=\"end\">\(HTML.escape(String(point.label.prefix(24))))</text>"
                    + "<rect x=\"180\" y=\"\(y + 4)\" width=\"\(format(width))\" height=\"18\" rx=\"3\" fill=\"\(colors[0])\"/>"
                    + "<text x=\"\(format(186 + width))\" y=\"\(y + 17)\" fill=\"#334e68\">\(HTML.escape(point.display))</text>"
            }.joined()
        }
    }

    /// Centered bars narrowing stage by stage.
    static func funnel(_ points: [Point], title: String) -> String {
        let top = max(points.map(\.value).max() ?? 1, 1e-9)
        let height = points.count * 34 + 20
        return svgFrame(title: title, height: height) {
            points.enumerated().map { index, point in
                let y = 10 + index * 34
                let width = max(24, point.value / top * 400)
                let x = 250 - width / 2
                return "<rect x=\"\(format(x))\" y=\"\(y)\" width=\"\(format(width))\" height=\"28\" rx=\"4\" fill=\"\(colors[index % colors.count])\"/>"
                    + "<text x=\"470\" y=\"\(y + 19)\" fill=\"#334e68\">\(HTML.escape(point.label)) · \(HTML.escape(point.display))</text>"
            }.joined()
        }
    }

    /// A line over the groups in order, with dots and labels.
    static func line(_ points: [Point], title: String) -> String {
        let top = max(points.map(\.value).max() ?? 1, 1e-9)
        let step = points.count > 1 ? 640.0 / Double(points.count - 1) : 0
        let start = points.count > 1 ? 40.0 : 360  // a single point in the middle
        let coordinates = points.enumerated().map { index, point in (start + Double(index) * step, 230 - point.value / top * 190) }
        return svgFrame(title: title, height: 280) {
            "<line x1=\"20\" y1=\"230\" x2=\"700\" y2=\"230\" stroke=\"#d9e2ec\"/>"  // zero
                + "<polyline fill=\"none\" stroke=\"\(colors[0])\" stroke-width=\"2.5\" points=\"\(coordinates.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " "))\"/>"
                + zip(points, coordinates).map { point, at in
                    "<circle cx=\"\(format(at.0))\" cy=\"\(format(at.1))\" r=\"4\" fill=\"\(colors[0])\"/>"
                        + "<text x=\"\(format(at.0))\" y=\"\(format(at.1 - 10))\" text-anchor=\"middle\" fill=\"#334e68\" font-size=\"11\">\(HTML.escape(point.display))</text>"
                        + "<text x=\"\(format(at.0))\" y=\"260\" text-anchor=\"middle\" font-size=\"11\">\(HTML.escape(point.label))</text>"
                }.joined()
        }
    }

    /// Slices with a legend.
    static func pie(_ points: [Point], title: String) -> String {
        let total = points.map(\.value).reduce(0, +)
        let height = max(240, points.count * 22 + 20)
        return svgFrame(title: title, height: height) {
            var angle = -Double.pi / 2
            var output = ""
            for (index, point) in points.enumerated() {
                let share = total > 0 ? point.value / total : 0
                let color = colors[index % colors.count]
                if share >= 0.9999 {
                    output += "<circle cx=\"120\" cy=\"120\" r=\"100\" fill=\"\(color)\"/>"
                } else if share > 0 {
                    let end = angle + share * 2 * Double.pi
                    let large = share > 0.5 ? 1 : 0
                    output += "<path d=\"M120,120 L\(format(120 + 100 * cos(angle))),\(format(120 + 100 * sin(angle))) A100,100 0 \(large) 1 \(format(120 + 100 * cos(end))),\(format(120 + 100 * sin(end))) Z\" fill=\"\(color)\"/>"
                    angle = end
                }
                let y = 20 + index * 22
                output += "<rect x=\"260\" y=\"\(y - 11)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
                output += "<text x=\"280\" y=\"\(y)\">\(HTML.escape(point.label)) · \(HTML.escape(point.display)) (\(String(format: "%.0f", share * 100))%)</text>"
            }
            return output
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
